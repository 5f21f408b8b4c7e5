"""A process's operations port: `/metrics` (Prometheus text format), `/healthz` (alive) and
`/readyz` (ready to do its job, 503 with the reasons when not).

Served by the standard library's WSGI server on a thread of its own, beside the roles:
a scrape or a probe never waits for a poll, and a role stuck in its back-off still answers
"alive, not ready". Binds 127.0.0.1 unless told otherwise: the metrics name the topics.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from consumers.metrics import REGISTRY

Readiness = Callable[[], dict[str, str]]
"""What is not ready, by role, and why (empty: ready)."""

StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Scrapes every few seconds are not news: no access log."""


class HealthServer:
    """The operations port of one process; `port` 0 picks a free one (tests)."""

    def __init__(self, host: str, port: int, readiness: Readiness) -> None:
        self._readiness = readiness
        self._metrics = make_wsgi_app(REGISTRY)
        self._server = make_server(
            host, port, self._app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="casebook-health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics(environ, start_response)  # type: ignore[no-any-return]
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "alive"})
        if path == "/readyz":
            try:
                problems = self._readiness()
            except Exception as error:  # noqa: BLE001 - a probe answers, whatever broke
                problems = {"process": f"{type(error).__name__}: {error}"}
            status = "503 Service Unavailable" if problems else "200 OK"
            body = {"status": "not ready" if problems else "ready", "problems": problems}
            return _json(start_response, status, body)
        return _json(start_response, "404 Not Found", {"error": f"no route {path}"})


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, sort_keys=True).encode("utf-8")
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]
