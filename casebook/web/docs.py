"""/openapi.json and /docs: open (they hold no data), with Swagger UI served from here.

A browser cannot send a bearer token when it navigates, so /docs behind a token could never
be opened; and a page loading its scripts from a CDN is blank where browsers reach no CDN.
Swagger UI 5 (which reads OpenAPI 3.1) comes from the `fastapi-offline` package's assets;
its Authorize button takes a token for the bearer scheme every /api route declares.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs/assets"


def install(app: FastAPI) -> None:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Casebook API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    )
    body = bytes(page.body)
    headers = {"Content-Security-Policy": docs_policy(body)}

    async def openapi() -> dict[str, Any]:
        return app.openapi()

    async def swagger() -> HTMLResponse:
        return HTMLResponse(body, headers=headers)

    app.add_api_route("/openapi.json", openapi, include_in_schema=False)
    app.add_api_route("/docs", swagger, include_in_schema=False)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")


def docs_policy(page: bytes) -> str:
    """Swagger UI's policy: its scripts from here and its one inline script, by hash."""
    hashes = " ".join(
        f"'sha256-{b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in re.findall(rb"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
    )
