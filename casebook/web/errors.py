"""One error model for every 4xx answer (`answers.Problem`: `{"detail": "..."}`), and the
codes each route documents.

FastAPI answers a request it cannot validate with a list of pydantic errors under `detail`
and documents it as `HTTPValidationError`; every other refusal here is a sentence. A
generated client would need two error types and would find the documented one wrong: so a
validation failure is a sentence too, naming the parameter, and is documented as such.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from casebook.web.answers import Problem

MEANINGS = {
    401: "No bearer token, or one that is not configured (CASEBOOK_API_TOKENS).",
    403: "The token's role may not see this.",
    404: "No such case in the views.",
    422: "A parameter is not valid; `detail` names it and says why.",
    429: "Too many failed authentications from this address; see Retry-After.",
}
SIGNED_IN = (401, 403, 422, 429)


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route refusing with these codes, each a `Problem`."""
    return {code: {"model": Problem, "description": MEANINGS[code]} for code in codes}


def describe_validation(error: RequestValidationError) -> str:
    """Each invalid parameter as `name: problem` (`limit: Input should be ...`)."""
    problems = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        name = ".".join(location[1:]) or ".".join(location) or "request"
        problems.append(f"{name}: {item.get('msg', 'invalid')}")
    return "; ".join(problems) or "the request is not valid"


def install(app: FastAPI) -> None:
    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse({"detail": describe_validation(error)}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
