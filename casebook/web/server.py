"""`casebook serve`'s HTTP server: uvicorn, with the limits a public listener needs.

uvicorn drops idle keep-alive connections and caps the connections it serves (503 past
`api_connection_limit`), but it waits forever for a request whose headers never finish
(a slowloris holds a file descriptor per connection at no cost). `HeaderDeadline` closes a
connection that has not sent a whole request head within `api_header_timeout` seconds of
connecting, or of its previous response. A reverse proxy in front (see the README) adds TLS
and its own limits; these hold without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from casebook.settings import Settings

IDLE_KEEP_ALIVE = 5.0  # seconds an idle keep-alive connection is kept (uvicorn's default)


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request head is late."""

    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._armed_for: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        self._arm()  # first: a pipelined request handled inside the call below disarms it
        super().on_response_complete()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._armed_for:  # a new request's head has arrived
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._armed_for = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._too_late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def with_header_timeout(seconds: float) -> type[HeaderDeadline]:
    """The protocol class with its deadline set (uvicorn takes a class, not an instance)."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_timeout": seconds})


def serve(app: FastAPI, settings: Settings, host: str, port: int) -> None:
    """Serve `app` until interrupted, with the settings' connection and header limits."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=None,  # the process's own logging (`casebook.logs`): JSON lines, redaction
        http=with_header_timeout(settings.api_header_timeout),
        limit_concurrency=settings.api_connection_limit,
        timeout_keep_alive=int(IDLE_KEEP_ALIVE),
        server_header=False,
    )
