"""The event stores a bench run measures the live engine on: SQLite, and PostgreSQL beside it.

Why a module: a PostgreSQL run needs a server (the local one, started like `casebook
postgres start` and stopped again if the bench started it) and a fresh database for every
live run, as SQLite gets a fresh data dir: a database holds one deployment's views, and a
run must not find the last one's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from casebook.settings import Settings
from infra.postgres.server import LocalPostgres

FreshStore = Callable[[Settings], Settings]


class PostgresStores:
    """Fresh databases on the local PostgreSQL server, dropped at the end of the run."""

    def __init__(self, server: LocalPostgres) -> None:
        self._server = server
        self._made: list[str] = []

    def fresh(self, settings: Settings) -> Settings:
        """`settings` on a database of their own (store postgres)."""
        name = self._server.create_database(f"bench_{uuid.uuid4().hex[:12]}")
        self._made.append(name)
        params = self._server.params
        return settings.model_copy(
            update={
                "store": "postgres",
                "postgres_host": params.host,
                "postgres_port": params.port,
                "postgres_user": params.user,
                "postgres_password": SecretStr(params.password),
                "postgres_dbname": name,
            }
        )

    def drop_all(self) -> None:
        for name in self._made:
            self._server.drop_database(name)
        self._made.clear()


@contextmanager
def postgres_stores(
    settings: Settings, progress: Callable[[str], None]
) -> Iterator[PostgresStores]:
    server = LocalPostgres(
        data_dir=Path(settings.data_dir),
        port=settings.postgres_port,
        user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value(),
        dbname=settings.postgres_dbname,
    )
    started_here = not server.is_running()
    progress("starting the local PostgreSQL" if started_here else "using the local PostgreSQL")
    server.start()
    stores = PostgresStores(server)
    try:
        yield stores
    finally:
        stores.drop_all()
        if started_here:
            server.stop()
