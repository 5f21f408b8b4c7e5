"""The durable views' tables, as SQL both SQLite and PostgreSQL read."""

from __future__ import annotations

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS views_positions (
        topic TEXT NOT NULL, part INTEGER NOT NULL, position BIGINT NOT NULL,
        PRIMARY KEY (topic, part))""",
    """CREATE TABLE IF NOT EXISTS views_sla_cases (
        case_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, sla_severity INTEGER NOT NULL,
        requested_severity INTEGER NOT NULL, opened_at TEXT NOT NULL, due_at TEXT NOT NULL,
        first_response_at TEXT, closed_at TEXT, severity_changes TEXT NOT NULL,
        version INTEGER NOT NULL, warn_at TEXT)""",
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
    # SLA v2: when each case's metrics could next warn (microseconds since the epoch); a
    # case a batch touched is due at once (0). Kept only when the policy has targets.
    """CREATE TABLE IF NOT EXISTS views_metric_checks (
        case_id TEXT PRIMARY KEY, check_at BIGINT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS views_metric_checks_by_time
        ON views_metric_checks (check_at, case_id)""",
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
    "views_metric_checks",
)
# Not a view: a rebuild keeps it, so a warning once recorded is never recorded (or sent) again.
WARNINGS_TABLE = {
    "sqlite": "seq INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgres": "seq BIGSERIAL PRIMARY KEY",
}
WARNINGS_SCHEMA = """CREATE TABLE IF NOT EXISTS warnings_emitted (
        {seq}, case_id TEXT NOT NULL, level INTEGER NOT NULL, kind TEXT NOT NULL,
        at TEXT NOT NULL, due_at TEXT NOT NULL, customer_id TEXT NOT NULL,
        sla_severity INTEGER NOT NULL, metric TEXT NOT NULL DEFAULT 'first_response',
        item TEXT NOT NULL DEFAULT '', UNIQUE (case_id, metric, item, level))"""
# SLA v2: a warning is one of an item's (the first response, a next_response cycle named by
# its start, the resolution clock); tables made before name none and are rebuilt on start.
# Bookkeeping of the warnings scan, not a view of the events: left out of `dump`.
NOT_DUMPED = ("views_positions", "views_warning_checks", "views_metric_checks")
