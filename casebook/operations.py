"""Each process's operations port: which one, and starting it.

One port per process, so each role can be scraped and probed on its own wherever it runs:
the base port from `CASEBOOK_METRICS_PORT` plus the role's offset. A process running
several roles on threads (`CASEBOOK_PROCESS_PER_ROLE=false`) uses the last offset.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from casebook.settings import Settings
from consumers.errors import RETRIABLE
from consumers.health import HealthServer, Readiness
from consumers.view_store import ViewStore

PORT_OFFSETS = {"intake": 0, "relay": 1, "projections": 2, "serve": 3}
SEVERAL_ROLES_OFFSET = 4


class OperationsPortUnavailable(RuntimeError):
    """The operations port cannot be listened on (taken, or not this machine's address)."""


def operations_port(settings: Settings, roles: Sequence[str]) -> int | None:
    """This process's port (None: none configured)."""
    if settings.metrics_port is None:
        return None
    offset = PORT_OFFSETS[roles[0]] if len(roles) == 1 else SEVERAL_ROLES_OFFSET
    return settings.metrics_port + offset


def start_operations(
    settings: Settings, roles: Sequence[str], readiness: Readiness
) -> HealthServer | None:
    """Serve /metrics, /healthz and /readyz for the process running `roles`, when a port is
    configured; its address goes to stderr, so an operator sees where to point a scraper."""
    port = operations_port(settings, roles)
    if port is None:
        return None
    host = settings.metrics_host
    try:
        server = HealthServer(host, port, readiness).start()
    except OSError as error:
        raise OperationsPortUnavailable(
            f"cannot listen on {host}:{port} for the operations endpoints of"
            f" {'+'.join(roles)}: {error.strerror} (CASEBOOK_METRICS_PORT, CASEBOOK_METRICS_HOST)"
        ) from None
    print(
        f"casebook: {'+'.join(roles)} metrics on http://{host}:{server.port}/metrics"
        " (probes: /healthz, /readyz)",
        file=sys.stderr,
        flush=True,
    )
    return server


def views_readiness(settings: Settings) -> dict[str, str]:
    """`casebook serve`'s readiness: the views answer a query."""
    try:
        views = ViewStore(settings.stores())
        try:
            views.counts()
        finally:
            views.close()
    except RETRIABLE as error:
        return {"serve": f"the views cannot be read: {type(error).__name__}: {error}"}
    return {}
