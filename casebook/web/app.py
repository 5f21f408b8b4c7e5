"""The FastAPI application: the JSON API under /api, the dashboard at / and /case/ID.

Every /api route needs a bearer token of an allowed role; only /health, the dashboard's
page and its static assets are open (they hold no data: the page fetches it with the token
the user pastes). Each request opens its own view store connection and closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from casebook.settings import Settings
from casebook.web import reports
from casebook.web.auth import ANALYSTS, AUDITORS, EVERYONE, require
from consumers.view_store import ViewStore
from domain.timefmt import parse_instant

STATIC = Path(__file__).resolve().parent / "static"
CASE_ID = r"^[A-Za-z0-9._:-]{1,64}$"
# The dashboard runs no inline script and loads nothing from elsewhere.
DASHBOARD_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Clock = Callable[[], datetime]


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    """The app over the views `settings` point at; `clock` is "now" (the wall clock by default)."""
    app = FastAPI(
        title="Casebook",
        summary="SLA compliance, audit histories and rejected messages of the support desk.",
        version="1",
        openapi_url=None,  # served below, behind a token like everything but /health
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.include_router(_api_routes())
    _add_description(app)
    _add_dashboard(app)

    @app.middleware("http")
    async def plain_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app


def _views(request: Request) -> Iterator[ViewStore]:
    views = ViewStore(request.app.state.settings)
    try:
        yield views
    finally:
        views.close()


def _instant(text: str | None, request: Request) -> datetime:
    if text is None:
        now: datetime = request.app.state.clock()
        return now
    try:
        return parse_instant(text)
    except ValueError:
        raise HTTPException(422, detail=f"not an RFC 3339 instant: {text!r}") from None


Views = Annotated[ViewStore, Depends(_views)]
AsOf = Annotated[str | None, Query(description="RFC 3339 instant (naive = UTC); now when omitted.")]


def _api_routes() -> APIRouter:
    router = APIRouter()

    @router.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Open: the process answers. Reads no data."""
        return {"status": "ok"}

    @router.get("/api/whoami", tags=["operations"])
    def whoami(role: Annotated[str, Depends(require(*EVERYONE))]) -> dict[str, str]:
        """The role of the presented token (the dashboard's login check)."""
        return {"role": role}

    @router.get("/api/sla", tags=["analysts"], dependencies=[Depends(require(*ANALYSTS))])
    def sla(request: Request, views: Views, as_of: AsOf = None) -> dict[str, Any]:
        """The contract's SLA report as of any instant (time travel: only what happened by then)."""
        return reports.sla(views, _instant(as_of, request))

    @router.get("/api/sla/timeline", tags=["analysts"], dependencies=[Depends(require(*ANALYSTS))])
    def sla_timeline(
        request: Request,
        views: Views,
        days: Annotated[int, Query(ge=1, le=366)] = 30,
        end: AsOf = None,
    ) -> dict[str, Any]:
        """Compliance over time: the SLA report at `days` daily instants ending at `end`."""
        instant = _instant(end, request)
        if instant - datetime.min.replace(tzinfo=UTC) < timedelta(days=days - 1):
            raise HTTPException(422, detail=f"{days} days before {end!r} is before year 1")
        return reports.sla_timeline(views, instant, days)

    @router.get(
        "/api/cases/{case_id}/audit",
        tags=["auditors"],
        dependencies=[Depends(require(*AUDITORS))],
    )
    def case_audit(
        request: Request,
        views: Views,
        case_id: Annotated[str, PathParam(pattern=CASE_ID)],
        as_of: Annotated[
            str | None, Query(description="RFC 3339 instant; the whole history when omitted.")
        ] = None,
    ) -> dict[str, Any]:
        """A case's full history, severity changes, SLA status and chain verification."""
        instant = _instant(as_of, request) if as_of is not None else None
        entry = reports.case_audit(views, request.app.state.settings, case_id, instant)
        if entry is None:
            raise HTTPException(404, detail=f"no case {case_id!r} in the views")
        return entry

    @router.get("/api/rejected", tags=["auditors"], dependencies=[Depends(require(*AUDITORS))])
    def rejected(views: Views) -> dict[str, Any]:
        """Every rejected message, its reason code and detail, in arrival order."""
        return reports.rejected(views)

    return router


def _add_description(app: FastAPI) -> None:
    """/openapi.json and /docs, for any valid token: only /health and the dashboard are open."""
    signed_in = [Depends(require(*EVERYONE))]

    def openapi() -> dict[str, Any]:
        return app.openapi()

    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Casebook API")

    app.add_api_route("/openapi.json", openapi, dependencies=signed_in, include_in_schema=False)
    app.add_api_route("/docs", docs, dependencies=signed_in, include_in_schema=False)


def _add_dashboard(app: FastAPI) -> None:
    def page() -> Response:
        return FileResponse(STATIC / "index.html", headers=DASHBOARD_HEADERS)

    app.add_api_route("/", page, include_in_schema=False)
    app.add_api_route("/case/{case_id}", page, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
