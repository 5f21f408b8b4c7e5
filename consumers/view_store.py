"""The durable views (SLA, audit history, rejected messages) in SQLite or PostgreSQL.

Rows and the Kafka position they reflect are written in one transaction, so a crash
between them is impossible and a redelivered record is recognised by its offset. The
rows keep every instant the contract's semantics need, so "as of T" is answered from them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg

from consumers.config import StoreConfig
from consumers.sqlite_wal import WAL_AUTOCHECKPOINT
from domain.case import Case
from projections.audit import AuditEntry, CaseAudit, audit_entry, case_audit_from_entries
from projections.rejections import RejectedMessage
from projections.sla import SlaCase, apply_to_sla_case
from projections.warnings import SlaWarning, due_warnings, next_check_at

IN_CHUNK = 900  # case ids per `IN (...)` query
# Where a rejection stands in arrival order: (partition, offset, source).
RejectedKey = tuple[int, int, str]

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS views_positions (
        topic TEXT NOT NULL, part INTEGER NOT NULL, position BIGINT NOT NULL,
        PRIMARY KEY (topic, part))""",
    """CREATE TABLE IF NOT EXISTS views_sla_cases (
        case_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, sla_severity INTEGER NOT NULL,
        requested_severity INTEGER NOT NULL, opened_at TEXT NOT NULL, due_at TEXT NOT NULL,
        first_response_at TEXT, closed_at TEXT, severity_changes TEXT NOT NULL,
        version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS views_audit_events (
        case_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL,
        actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, message_id TEXT NOT NULL,
        data TEXT NOT NULL, extra TEXT NOT NULL, source TEXT, PRIMARY KEY (case_id, version))""",
    # When each case that may still warn is next worth a look (microseconds since the epoch):
    # the warnings scan reads only the cases whose time has come, not every open case.
    """CREATE TABLE IF NOT EXISTS views_warning_checks (
        case_id TEXT PRIMARY KEY, check_at BIGINT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS views_warning_checks_by_time
        ON views_warning_checks (check_at, case_id)""",
    """CREATE TABLE IF NOT EXISTS views_rejected (
        source TEXT PRIMARY KEY, part INTEGER NOT NULL, source_offset BIGINT NOT NULL,
        message_id TEXT, case_id TEXT, reason TEXT NOT NULL, detail TEXT NOT NULL, at TEXT)""",
)
VIEW_TABLES = (
    "views_positions",
    "views_sla_cases",
    "views_audit_events",
    "views_rejected",
    "views_warning_checks",
)
# Bookkeeping of the warnings scan, not a view of the events: left out of `dump`.
NOT_DUMPED = ("views_positions", "views_warning_checks")
# Cases the warnings scan holds in memory at once.
WARNING_SCAN_PAGE = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Not a view: a rebuild keeps it, so a warning once recorded is never recorded (or sent) again.
WARNINGS_TABLE = {
    "sqlite": "seq INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgres": "seq BIGSERIAL PRIMARY KEY",
}
WARNINGS_SCHEMA = """CREATE TABLE IF NOT EXISTS warnings_emitted (
        {seq}, case_id TEXT NOT NULL, level INTEGER NOT NULL, kind TEXT NOT NULL,
        at TEXT NOT NULL, due_at TEXT NOT NULL, customer_id TEXT NOT NULL,
        sla_severity INTEGER NOT NULL, UNIQUE (case_id, level))"""


class ViewStore:
    """One connection, used by one thread; SQLite by default, PostgreSQL by configuration."""

    def __init__(self, stores: StoreConfig) -> None:
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
            self._add_source_column()

    def _add_source_column(self) -> None:
        """Views written before contract 1.2 gain the column; their rows name no source."""
        if self._postgres:  # another process may be adding it too
            self._execute("ALTER TABLE views_audit_events ADD COLUMN IF NOT EXISTS source TEXT")
            return
        try:
            self._execute("ALTER TABLE views_audit_events ADD COLUMN source TEXT")
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

    # ---- writing ----------------------------------------------------------------------

    def position(self, topic: str, part: int) -> int | None:
        row = self._execute(
            "SELECT position FROM views_positions WHERE topic = ? AND part = ?", (topic, part)
        ).fetchone()
        return None if row is None else int(row[0])

    def apply_batch(
        self,
        topic: str,
        part: int,
        last_offset: int,
        events: list[Case.Event],
        rejections: list[RejectedMessage],
    ) -> bool:
        """Apply a partition's batch and move its position, atomically; False if already applied.

        Steps, in this order: 1. lock the position row (another owner of the partition
        waits here); 2. give up if the position already covers the batch; 3. write the
        rows; 4. move the position. Commit happens only after 4, so rows never run ahead of
        or behind their position.
        """
        with self._transaction():
            self._execute(
                "INSERT INTO views_positions (topic, part, position) VALUES (?, ?, -1) "
                "ON CONFLICT (topic, part) DO NOTHING",
                (topic, part),
            )
            lock = " FOR UPDATE" if self._postgres else ""
            current = self._execute(
                f"SELECT position FROM views_positions WHERE topic = ? AND part = ?{lock}",
                (topic, part),
            ).fetchone()[0]
            if current >= last_offset:
                return False
            self._apply_events(events)
            self._insert_rejections(rejections)
            self._execute(
                "UPDATE views_positions SET position = ? WHERE topic = ? AND part = ?",
                (last_offset, topic, part),
            )
        return True

    def reset(self) -> None:
        """Drop every row and position: the next run rebuilds from the topics' beginnings."""
        with self._transaction():
            for table in VIEW_TABLES:
                self._execute(f"DELETE FROM {table}")

    def _apply_events(self, events: list[Case.Event]) -> None:
        """Fold a batch into its cases' rows: one read of the rows, then bulk writes."""
        rows: dict[str, SlaCase | None] = dict.fromkeys({e.case_id for e in events})
        rows.update(self._sla_rows_for(list(rows)))
        audit_rows = []
        for event in events:
            row = rows[event.case_id]
            if row is not None and event.originator_version <= row.version:
                continue  # already applied
            rows[event.case_id] = apply_to_sla_case(row, event)
            entry = audit_entry(event)
            audit_rows.append(
                (
                    event.case_id,
                    entry.version,
                    entry.type,
                    entry.at.isoformat(),
                    entry.actor_id,
                    entry.actor_role,
                    entry.message_id,
                    _json_text(entry.data),
                    _json_text(entry.extra),
                    entry.source,
                )
            )
        self._executemany(
            "INSERT INTO views_audit_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, version) DO NOTHING",
            audit_rows,
        )
        self._executemany(
            "INSERT INTO views_sla_cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET first_response_at = excluded.first_response_at, "
            "closed_at = excluded.closed_at, severity_changes = excluded.severity_changes, "
            "version = excluded.version",
            [_sla_params(row) for row in rows.values() if row is not None],
        )
        self._schedule_checks([row for row in rows.values() if row is not None])

    def _schedule_checks(self, rows: list[SlaCase], warned: dict[str, int] | None = None) -> None:
        """Note when each case is next worth a warnings look (none: it will never warn).

        After new events `warned` is not known here: the first threshold is noted and the
        scan, which knows what was warned, moves it on. A look too early costs a visit; one
        too late would delay a warning, and `next_check_at` is never later than due.
        """
        levels = warned or {}
        upserts, deletes = [], []
        for row in rows:
            check = next_check_at(row, levels.get(row.case_id, 0))
            if check is None:
                deletes.append((row.case_id,))
            else:
                upserts.append((row.case_id, _micros(check)))
        self._executemany(
            "INSERT INTO views_warning_checks (case_id, check_at) VALUES (?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET check_at = excluded.check_at",
            upserts,
        )
        self._executemany("DELETE FROM views_warning_checks WHERE case_id = ?", deletes)

    def _sla_rows_for(self, case_ids: list[str]) -> dict[str, SlaCase]:
        rows = self._rows_for_cases(
            "SELECT * FROM views_sla_cases WHERE case_id IN ({marks})", case_ids
        )
        return {row[0]: _sla_case(row) for row in rows}

    def _rows_for_cases(self, sql: str, case_ids: list[str]) -> Iterator[Any]:
        """The rows of `sql` (its `IN ({marks})` filled) for the case ids, a chunk of
        parameters at a time (SQLite takes at most 999 in one statement)."""
        for start in range(0, len(case_ids), IN_CHUNK):
            chunk = case_ids[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self._execute(sql.format(marks=marks), tuple(chunk)).fetchall()

    def _insert_rejections(self, rejections: list[RejectedMessage]) -> None:
        self._executemany(
            "INSERT INTO views_rejected VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO NOTHING",
            [_rejection_params(rejection) for rejection in rejections],
        )

    def record_due_warnings(self, now: datetime) -> int:
        """Record every breach warning due at `now` that is not recorded yet; returns how many.

        One transaction; on PostgreSQL the table is locked so sequence numbers commit in
        order and the warnings relay, reading "after the last seq", never skips one.
        """
        with self._transaction():
            if self._postgres:
                self._execute("LOCK TABLE warnings_emitted IN EXCLUSIVE MODE")
            recorded = 0
            after: tuple[int, str] = (-1, "")
            while True:
                page = self._due_for_check(_micros(now), after)
                if not page:
                    break
                cases = [checked.case for checked in page]
                warned = self._warned_levels([case.case_id for case in cases])
                for case in cases:
                    for warning in due_warnings(case, now, warned.get(case.case_id, 0)):
                        self._record_warning(warning)
                        warned[case.case_id] = warning.level
                        recorded += 1
                self._schedule_checks(cases, warned)
                after = (page[-1].check_at, page[-1].case.case_id)
                if len(page) < WARNING_SCAN_PAGE:
                    break
        return recorded

    def _due_for_check(self, now_micros: int, after: tuple[int, str]) -> list[_CheckedCase]:
        """The next page of cases whose check time has come, in (check_at, case_id) order.

        Paging by key, not offset: a case the scan moved on is met again only if its new
        time is both later and already due, and the page key only grows, so a scan ends.
        """
        rows = self._execute(
            "SELECT c.check_at, s.* FROM views_warning_checks c "
            "JOIN views_sla_cases s ON s.case_id = c.case_id "
            "WHERE c.check_at <= ? AND (c.check_at > ? OR (c.check_at = ? AND c.case_id > ?)) "
            "ORDER BY c.check_at, c.case_id LIMIT ?",
            (now_micros, after[0], after[0], after[1], WARNING_SCAN_PAGE),
        ).fetchall()
        return [_CheckedCase(row[0], _sla_case(row[1:])) for row in rows]

    def _warned_levels(self, case_ids: list[str]) -> dict[str, int]:
        marks = ",".join("?" * len(case_ids))
        rows = self._execute(
            f"SELECT case_id, MAX(level) FROM warnings_emitted WHERE case_id IN ({marks}) "
            "GROUP BY case_id",
            tuple(case_ids),
        ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def _record_warning(self, warning: SlaWarning) -> None:
        self._execute(
            "INSERT INTO warnings_emitted (case_id, level, kind, at, due_at, customer_id, "
            "sla_severity) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, level) DO NOTHING",
            (
                warning.case_id,
                warning.level,
                warning.kind,
                warning.at.isoformat(),
                warning.due_at.isoformat(),
                warning.customer_id,
                warning.sla_severity,
            ),
        )

    def last_warning_seq(self) -> int | None:
        row = self._execute("SELECT MAX(seq) FROM warnings_emitted").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def warnings_after(self, seq: int, limit: int) -> list[tuple[int, SlaWarning]]:
        rows = self._execute(
            "SELECT seq, case_id, customer_id, sla_severity, level, kind, at, due_at "
            "FROM warnings_emitted WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [
            (
                row[0],
                SlaWarning(
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    datetime.fromisoformat(row[6]),
                    datetime.fromisoformat(row[7]),
                ),
            )
            for row in rows
        ]

    # ---- reading ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Cases, case events and rejections the views hold: cheap enough to poll."""
        cases, events = self._execute(
            "SELECT COUNT(*), COALESCE(SUM(version), 0) FROM views_sla_cases"
        ).fetchone()
        (rejected,) = self._execute("SELECT COUNT(*) FROM views_rejected").fetchone()
        return {"cases": int(cases), "events": int(events), "rejected": int(rejected)}

    def sla_rows(self) -> list[SlaCase]:
        rows = self._execute("SELECT * FROM views_sla_cases").fetchall()
        return [_sla_case(row) for row in rows]

    def sla_row(self, case_id: str) -> SlaCase | None:
        row = self._execute(
            "SELECT * FROM views_sla_cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        return None if row is None else _sla_case(row)

    def case_audit(self, case_id: str) -> CaseAudit | None:
        rows = self._execute(
            "SELECT version, type, at, actor_id, actor_role, message_id, data, extra, source "
            "FROM views_audit_events WHERE case_id = ? ORDER BY version",
            (case_id,),
        ).fetchall()
        if not rows:
            return None
        entries = [
            AuditEntry(
                version=row[0],
                type=row[1],
                at=datetime.fromisoformat(row[2]),
                actor_id=row[3],
                actor_role=row[4],
                message_id=row[5],
                data=json.loads(row[6]),
                extra=json.loads(row[7]),
                source=row[8],
            )
            for row in rows
        ]
        customer_id = entries[0].data.get("customer_id", "")
        return case_audit_from_entries(case_id, customer_id, entries)

    def audited_messages(self, case_ids: list[str]) -> set[tuple[str, str]]:
        """(case id, message id) of every audit row of these cases: which messages have
        reached the audit history, in one indexed query instead of one history per case."""
        rows = self._rows_for_cases(
            "SELECT case_id, message_id FROM views_audit_events WHERE case_id IN ({marks})",
            case_ids,
        )
        return {(row[0], row[1]) for row in rows}

    def case_ids(self) -> list[str]:
        rows = self._execute(
            "SELECT case_id FROM views_sla_cases ORDER BY opened_at, case_id"
        ).fetchall()
        return [row[0] for row in rows]

    def rejected(self) -> list[RejectedMessage]:
        rows = self._execute(
            "SELECT source, message_id, case_id, reason, detail, at FROM views_rejected "
            "ORDER BY part, source_offset, source"
        ).fetchall()
        return [_rejected_message(row) for row in rows]

    def rejected_page(
        self, after: RejectedKey | None, limit: int
    ) -> list[tuple[RejectedKey, RejectedMessage]]:
        """Up to `limit` rejections in arrival order after the one keyed `after`, with keys."""
        part, offset, source = after if after is not None else (-1, -1, "")
        rows = self._execute(
            "SELECT source, message_id, case_id, reason, detail, at, part, source_offset "
            "FROM views_rejected WHERE part > ? OR (part = ? AND (source_offset > ? "
            "OR (source_offset = ? AND source > ?))) "
            "ORDER BY part, source_offset, source LIMIT ?",
            (part, part, offset, offset, source, limit),
        ).fetchall()
        return [((int(row[6]), int(row[7]), row[0]), _rejected_message(row)) for row in rows]

    def rejected_count(self) -> int:
        (count,) = self._execute("SELECT COUNT(*) FROM views_rejected").fetchone()
        return int(count)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every view table, sorted: for comparing a rebuild with the live views."""
        return {
            table: sorted(tuple(row) for row in self._execute(f"SELECT * FROM {table}").fetchall())
            for table in VIEW_TABLES
            if table not in NOT_DUMPED
        }

    # ---- plumbing ---------------------------------------------------------------------

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


def _rejection_params(rejection: RejectedMessage) -> tuple[Any, ...]:
    assert rejection.source is not None
    _, part, offset = rejection.source.rsplit("|", 2)
    return (
        rejection.source,
        int(part),
        int(offset),
        rejection.message_id,
        rejection.case_id,
        rejection.reason,
        rejection.detail,
        _iso(rejection.at),
    )


def _json_text(value: Any) -> str:
    """JSON text with sorted keys, read back with `json.loads`: orjson's (a tenth of the
    standard library's time, for two columns of every audit row), else the standard
    library's for what orjson refuses (integers beyond 64 bits, which a message may carry
    in its extra fields)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:
        return json.dumps(value, sort_keys=True)


def _sla_params(row: SlaCase) -> tuple[Any, ...]:
    changes = json.dumps([[at.isoformat(), severity] for at, severity in row.severity_changes])
    return (
        row.case_id,
        row.customer_id,
        row.sla_severity,
        row.requested_severity,
        row.opened_at.isoformat(),
        row.due_at.isoformat(),
        _iso(row.first_response_at),
        _iso(row.closed_at),
        changes,
        row.version,
    )


@dataclass(frozen=True)
class _CheckedCase:
    check_at: int
    case: SlaCase


def _micros(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(microseconds=1)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _rejected_message(row: Any) -> RejectedMessage:
    return RejectedMessage(
        reason=row[3],
        detail=row[4],
        message_id=row[1],
        case_id=row[2],
        at=datetime.fromisoformat(row[5]) if row[5] else None,
        source=row[0],
    )


def _sla_case(row: Any) -> SlaCase:
    return SlaCase(
        case_id=row[0],
        customer_id=row[1],
        sla_severity=row[2],
        requested_severity=row[3],
        opened_at=datetime.fromisoformat(row[4]),
        due_at=datetime.fromisoformat(row[5]),
        first_response_at=datetime.fromisoformat(row[6]) if row[6] else None,
        closed_at=datetime.fromisoformat(row[7]) if row[7] else None,
        severity_changes=[(datetime.fromisoformat(at), sev) for at, sev in json.loads(row[8])],
        version=row[9],
    )
