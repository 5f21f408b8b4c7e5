"""The local PostgreSQL server: the application role can write and read its own database."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from casebook.settings import Settings
from infra.postgres.server import PostgresParams


def test_a_row_written_by_the_application_role_is_read_back(
    postgres_server: PostgresParams, postgres_database_factory: Callable[[], str]
) -> None:
    dbname = postgres_database_factory()
    with psycopg.connect(postgres_server.conninfo(dbname)) as connection:
        connection.execute("CREATE TABLE cases (id text PRIMARY KEY, status text NOT NULL)")
        connection.execute("INSERT INTO cases VALUES (%s, %s)", ("case-1", "open"))
        connection.commit()
    with psycopg.connect(postgres_server.conninfo(dbname)) as connection:
        rows = connection.execute("SELECT id, status FROM cases").fetchall()

    assert rows == [("case-1", "open")]


def test_a_wrong_password_is_refused(postgres_server: PostgresParams) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.conninfo(), password="wrong", connect_timeout=5)


def test_settings_for_the_postgres_store_name_a_fresh_reachable_database(
    settings_factory: Callable[..., Settings],
) -> None:
    first = settings_factory("postgres", kafka=False)
    second = settings_factory("postgres", kafka=False)

    assert first.postgres_dbname != second.postgres_dbname
    with psycopg.connect(
        host=first.postgres_host,
        port=first.postgres_port,
        user=first.postgres_user,
        password=first.postgres_password.get_secret_value(),
        dbname=first.postgres_dbname,
    ) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (
            first.postgres_dbname,
        )
