"""Bearer tokens and roles: who may see what.

Tokens come from settings (`CASEBOOK_API_TOKENS`), are compared in constant time and are
never logged or echoed. No token, or an unknown one, is 401 (logged and counted against
the caller's address: past the rate every request from it is 429, see `throttle.py`); a
known token whose role may not see the resource is 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from casebook.web.throttle import FailedAuthThrottle

ANALYSTS = ("analyst", "admin")
AUDITORS = ("auditor", "admin")
EVERYONE = ("analyst", "auditor", "admin")

bearer = HTTPBearer(auto_error=False, description="A token from CASEBOOK_API_TOKENS.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def role_of(token: str, tokens: Mapping[str, str]) -> str | None:
    """The role of a token, comparing against every configured token in constant time."""
    found = None
    presented = token.encode("utf-8")
    for known, role in tokens.items():
        if hmac.compare_digest(presented, known.encode("utf-8")):
            found = role
    return found


def require(*roles: str) -> Callable[..., Awaitable[str]]:
    """A dependency admitting only tokens of the given roles; it returns the caller's role.

    A coroutine, so it runs on the event loop: it is cheap, and a caller refused here never
    waits for one of the workers that compute answers.
    """

    async def check(request: Request, credentials: Credentials) -> str:
        throttle: FailedAuthThrottle = request.app.state.failed_auth
        address = request.client.host if request.client is not None else "unknown"
        wait = throttle.retry_after(address)
        if wait is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail="too many failed authentications from this address",
                headers={"Retry-After": str(wait)},
            )
        tokens: Mapping[str, str] = request.app.state.settings.api_tokens
        role = role_of(credentials.credentials, tokens) if credentials is not None else None
        if role is None:
            why = "no bearer token" if credentials is None else "unknown token"
            throttle.failed(address, request.url.path, why)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"the {role} role may not see this"
            )
        return role

    return check
