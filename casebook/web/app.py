"""The FastAPI application: the JSON API under /api, the dashboard at / and /case/ID.

Every /api route needs a bearer token of an allowed role; only /health, the dashboard's
page and its static assets are open (they hold no data: the page fetches it with the token
the user pastes). Answers are computed by a few workers (`api_workers`), each request
opening its own view store connection and closing it; requests beyond them wait, while
/health and refusals are answered on the event loop without waiting for a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import WithJsonSchema

from casebook.policies import load_policy
from casebook.settings import Settings
from casebook.web import answers, docs, errors, reports
from casebook.web.auth import ANALYSTS, AUDITORS, EVERYONE, require
from casebook.web.errors import SIGNED_IN, documented
from casebook.web.throttle import FailedAuthThrottle
from consumers.view_store import ViewStore
from domain.timefmt import parse_instant

STATIC = Path(__file__).resolve().parent / "static"
PAGES = Path(__file__).resolve().parent / "pages"
CASE_ID = r"^[A-Za-z0-9._:-]{1,64}$"
# The dashboard runs no inline script and loads nothing from elsewhere.
DASHBOARD_POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
# On every HTML answer (the dashboard, /docs, error pages) and, no-store, on every API answer.
HTML_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Clock = Callable[[], datetime]
Answer = TypeVar("Answer")


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    """The app over the views `settings` point at; `clock` is "now" (the wall clock by default)."""
    app = FastAPI(
        title="Casebook",
        summary="SLA compliance, audit histories and rejected messages of the support desk.",
        version="1",
        openapi_url=None,  # served by `docs`, with Swagger UI's assets from this server
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.policy = load_policy(settings.policy_file)  # SLA v2's targets and calendars
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.workers = anyio.CapacityLimiter(settings.api_workers)
    app.state.failed_auth = FailedAuthThrottle(settings.api_failed_auth_limit)
    app.include_router(_api_routes())
    errors.install(app)
    docs.install(app)
    _add_dashboard(app)

    @app.middleware("http")
    async def protective_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        path = request.url.path
        if path.startswith("/api/") or path in ("/openapi.json", "/health"):
            response.headers["Cache-Control"] = "no-store"
        if response.headers.get("content-type", "").startswith("text/html"):
            for name, value in HTML_HEADERS.items():
                response.headers[name] = value
            response.headers.setdefault("Content-Security-Policy", DASHBOARD_POLICY)
        return response

    return app


async def _compute(request: Request, work: Callable[[ViewStore], Answer]) -> Answer:
    """Run `work` over a fresh view store on one of the app's workers (waiting for one)."""
    settings: Settings = request.app.state.settings

    def with_views() -> Answer:
        views = ViewStore(settings.stores())
        try:
            return work(views)
        finally:
            views.close()

    answer: Answer = await anyio.to_thread.run_sync(with_views, limiter=request.app.state.workers)
    return answer


def _instant(text: str | None, request: Request) -> datetime:
    if text is None:
        now: datetime = request.app.state.clock()
        return now
    try:
        return parse_instant(text)
    except ValueError:
        raise HTTPException(422, detail=f"not an RFC 3339 instant: {text!r}") from None


InstantText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""An instant as the query has it: parsed by `domain.timefmt` (its errors are ours, and
name the parameter), documented as what it is."""
AsOf = Annotated[InstantText | None, Query(description="RFC 3339 instant; now when omitted.")]
Limit = Annotated[
    int,
    Query(ge=1, le=reports.PAGE_MAXIMUM, description="Items per page (at most 1000)."),
]
After = Annotated[
    str | None,
    Query(max_length=512, description="The `page.next` cursor of the previous page."),
]
StatusFilter = Annotated[
    list[Literal["met", "breached", "pending", "void"]] | None,
    Query(description="Only cases of these statuses in the page (the counts cover all)."),
]


def _api_routes() -> APIRouter:
    router = APIRouter()

    @router.get("/health", tags=["operations"], response_model=answers.Health)
    async def health() -> dict[str, str]:
        """Open: the process answers. Reads no data and waits for no worker."""
        return {"status": "ok"}

    @router.get(
        "/api/whoami",
        tags=["operations"],
        response_model=answers.WhoAmI,
        responses=documented(401, 429),
    )
    async def whoami(role: Annotated[str, Depends(require(*EVERYONE))]) -> dict[str, str]:
        """The role of the presented token (the dashboard's login check)."""
        return {"role": role}

    @router.get(
        "/api/sla",
        tags=["analysts"],
        dependencies=[Depends(require(*ANALYSTS))],
        response_model=answers.SlaReport,
        response_model_exclude_unset=True,
        responses=documented(*SIGNED_IN),
    )
    async def sla(
        request: Request,
        as_of: AsOf = None,
        limit: Limit = reports.PAGE_DEFAULT,
        after: After = None,
        status: StatusFilter = None,
    ) -> dict[str, Any]:
        """The contract's SLA report as of any instant (time travel: only what happened by then).

        The counts cover every case; `cases` is one page (opening time, then case id), of
        the given statuses if any: pass `page.next` as `after` for the next one.
        """
        instant = _instant(as_of, request)
        position = _position(reports.sla_position, after)
        work = partial(
            reports.sla,
            as_of=instant,
            limit=limit,
            after=position,
            statuses=status or (),
            policy=request.app.state.policy,
        )
        return await _compute(request, work)

    @router.get(
        "/api/sla/timeline",
        tags=["analysts"],
        dependencies=[Depends(require(*ANALYSTS))],
        response_model=answers.SlaTimeline,
        response_model_exclude_unset=True,
        responses=documented(*SIGNED_IN),
    )
    async def sla_timeline(
        request: Request,
        days: Annotated[int, Query(ge=1, le=366)] = 30,
        end: AsOf = None,
    ) -> dict[str, Any]:
        """Compliance over time: the SLA report at `days` daily instants ending at `end`."""
        instant = _instant(end, request)
        if instant - datetime.min.replace(tzinfo=UTC) < timedelta(days=days - 1):
            raise HTTPException(422, detail=f"{days} days before {end!r} is before year 1")
        return await _compute(request, partial(reports.sla_timeline, end=instant, days=days))

    @router.get(
        "/api/cases/{case_id}/audit",
        tags=["auditors"],
        dependencies=[Depends(require(*AUDITORS))],
        response_model=answers.CaseAudit,
        response_model_exclude_unset=True,
        responses=documented(*SIGNED_IN, 404),
    )
    async def case_audit(
        request: Request,
        case_id: Annotated[str, PathParam(pattern=CASE_ID)],
        as_of: Annotated[
            InstantText | None,
            Query(description="RFC 3339 instant; the whole history when omitted."),
        ] = None,
    ) -> dict[str, Any]:
        """A case's full history, severity changes, SLA status and chain verification."""
        instant = _instant(as_of, request) if as_of is not None else None
        settings = request.app.state.settings
        entry = await _compute(
            request,
            partial(reports.case_audit, settings=settings, case_id=case_id, as_of=instant),
        )
        if entry is None:
            raise HTTPException(404, detail=f"no case {case_id!r} in the views")
        return entry

    @router.get(
        "/api/rejected",
        tags=["auditors"],
        dependencies=[Depends(require(*AUDITORS))],
        response_model=answers.RejectedPage,
        response_model_exclude_unset=True,
        responses=documented(*SIGNED_IN),
    )
    async def rejected(
        request: Request, limit: Limit = reports.PAGE_DEFAULT, after: After = None
    ) -> dict[str, Any]:
        """Rejected messages, their reason code and detail, in arrival order, a page at a time."""
        position = _position(reports.rejected_position, after)
        return await _compute(request, partial(reports.rejected, limit=limit, after=position))

    return router


Position = TypeVar("Position")


def _position(decode: Callable[[str], Position], cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        return decode(cursor)
    except ValueError as error:
        raise HTTPException(422, detail=f"after: {error}") from None


def _add_dashboard(app: FastAPI) -> None:
    """The one page of the dashboard, at / and /case/ID; /static holds only its assets."""

    async def page() -> Response:
        return FileResponse(PAGES / "index.html", media_type="text/html")

    app.add_api_route("/", page, include_in_schema=False)
    app.add_api_route("/case/{case_id}", page, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
