"""The views' one connection: opening it (SQLite or PostgreSQL), making and upgrading the
tables, transactions and statements written once for both databases (`?` placeholders).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from consumers.config import StoreConfig
from consumers.sqlite_wal import WAL_AUTOCHECKPOINT
from consumers.view_schema import SCHEMA, WARNINGS_SCHEMA, WARNINGS_TABLE

IN_CHUNK = 900  # case ids per `IN (...)` query


class ViewDatabase:
    """One connection, used by one thread; SQLite by default, PostgreSQL by configuration."""

    def __init__(self, stores: StoreConfig) -> None:
        self.track_metric_checks = False
        """SLA v2: set by a projection runner whose policy has targets (see warning_checks)."""
        self._metric_checks_seeded = False
        self._postgres = stores.kind == "postgres"
        if self._postgres:
            self._connection: Any = psycopg.connect(
                host=stores.postgres.host,
                port=stores.postgres.port,
                dbname=stores.postgres.dbname,
                user=stores.postgres.user,
                password=stores.postgres.password,
                connect_timeout=5,
                autocommit=True,
            )
        else:
            path = Path(stores.data_dir).resolve() / "views.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(
                path, isolation_level=None, timeout=30, check_same_thread=False
            )  # the rebalance listener reads positions from kafka-python's IO thread while poll() waits
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute(WAL_AUTOCHECKPOINT)
        if self._table_exists("views_warning_checks"):
            self._create_tables()  # no-ops on existing tables: no write lock for readers
        else:
            self._add_warning_checks()
        if not self._column_exists("views_audit_events", "source"):
            self._add_column("views_audit_events", "source")  # contract 1.2: none named
        if not self._column_exists("views_sla_cases", "warn_at"):
            self._add_column("views_sla_cases", "warn_at")  # SLA v2: shares of real time
        if not self._column_exists("warnings_emitted", "metric"):
            self._name_warning_items()

    def _name_warning_items(self) -> None:
        """Warnings recorded before SLA v2 were each a case's first response's: they gain
        `metric` and `item`, and the uniqueness names the item (SQLite cannot change a
        table's constraint, so its table is rebuilt, sequence numbers kept)."""
        with self._transaction():
            if self._column_exists("warnings_emitted", "metric"):
                return  # another opener did it
            if self._postgres:
                self._execute("LOCK TABLE warnings_emitted IN EXCLUSIVE MODE")
                self._execute(
                    "ALTER TABLE warnings_emitted ADD COLUMN metric TEXT NOT NULL"
                    " DEFAULT 'first_response', ADD COLUMN item TEXT NOT NULL DEFAULT '',"
                    " DROP CONSTRAINT IF EXISTS warnings_emitted_case_id_level_key"
                )
                self._execute(
                    "CREATE UNIQUE INDEX IF NOT EXISTS warnings_emitted_items"
                    " ON warnings_emitted (case_id, metric, item, level)"
                )
                return
            self._execute("ALTER TABLE warnings_emitted RENAME TO warnings_emitted_v1")
            self._execute(WARNINGS_SCHEMA.format(seq=WARNINGS_TABLE["sqlite"]))
            self._execute(
                "INSERT INTO warnings_emitted (seq, case_id, level, kind, at, due_at,"
                " customer_id, sla_severity) SELECT seq, case_id, level, kind, at, due_at,"
                " customer_id, sla_severity FROM warnings_emitted_v1"
            )
            self._execute("DROP TABLE warnings_emitted_v1")

    def _add_column(self, table: str, column: str) -> None:
        """Views written by an earlier version gain a text column; their rows hold NULL."""
        if self._postgres:  # another process may be adding it too
            self._execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} TEXT")
            return
        try:
            self._execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):
                raise

    def _create_tables(self) -> None:
        for statement in SCHEMA:
            self._execute(statement)
        seq = WARNINGS_TABLE["postgres" if self._postgres else "sqlite"]
        self._execute(WARNINGS_SCHEMA.format(seq=seq))

    def _add_warning_checks(self) -> None:
        """Create the tables in one transaction; views written before the warning checks
        existed get every case looked at once, at the next scan."""
        with self._transaction():
            checks_were_there = self._table_exists("views_warning_checks")  # another opener's
            self._create_tables()
            if not checks_were_there:
                self._execute(
                    "INSERT INTO views_warning_checks (case_id, check_at) "
                    "SELECT case_id, 0 FROM views_sla_cases WHERE true ON CONFLICT (case_id) DO NOTHING"
                )

    def close(self) -> None:
        self._connection.close()

    def _column_exists(self, table: str, column: str) -> bool:
        if self._postgres:
            found = self._execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                (table, column),
            ).fetchone()
            return found is not None
        columns = self._execute(f"PRAGMA table_info({table})").fetchall()
        return any(row[1] == column for row in columns)

    def _table_exists(self, table: str) -> bool:
        if self._postgres:
            return self._execute("SELECT to_regclass(?)", (table,)).fetchone()[0] is not None
        found = self._execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return found is not None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._postgres:
            with self._connection.transaction():
                yield
            return
        self._connection.execute("BEGIN IMMEDIATE")
        committed = False
        try:
            yield
            self._connection.execute("COMMIT")
            committed = True
        finally:
            if not committed:
                self._connection.execute("ROLLBACK")

    def _executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._postgres:
            with self._connection.cursor() as cursor:
                cursor.executemany(sql.replace("?", "%s"), rows)
            return
        self._connection.executemany(sql, rows)

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self._postgres:
            return self._connection.execute(sql.replace("?", "%s"), params)
        return self._connection.execute(sql, params)

    def _rows_for_cases(self, sql: str, case_ids: list[str]) -> Iterator[Any]:
        """The rows of `sql` (its `IN ({marks})` filled) for the case ids, a chunk of
        parameters at a time (SQLite takes at most 999 in one statement)."""
        for start in range(0, len(case_ids), IN_CHUNK):
            chunk = case_ids[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self._execute(sql.format(marks=marks), tuple(chunk)).fetchall()
