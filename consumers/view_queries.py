"""What the views answer: counts, SLA rows, a case's audit history, rejections a page at
a time, and a dump of every table for comparing a rebuild with the live views."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from consumers.view_db import ViewDatabase
from consumers.view_rows import rejected_message, sla_case
from consumers.view_schema import NOT_DUMPED, VIEW_TABLES
from projections.audit import AuditEntry, CaseAudit, case_audit_from_entries
from projections.rejections import RejectedMessage
from projections.sla import SlaCase
from projections.timelines import TIMELINE_TYPES, CaseTimeline, fold_entry

# Where a rejection stands in arrival order: (partition, offset, source).
RejectedKey = tuple[int, int, str]


class ViewQueries(ViewDatabase):
    """The reading side of the view store."""

    def counts(self) -> dict[str, int]:
        """Cases, case events and rejections the views hold: cheap enough to poll."""
        cases, events = self._execute(
            "SELECT COUNT(*), COALESCE(SUM(version), 0) FROM views_sla_cases"
        ).fetchone()
        (rejected,) = self._execute("SELECT COUNT(*) FROM views_rejected").fetchone()
        return {"cases": int(cases), "events": int(events), "rejected": int(rejected)}

    def open_breaches(self, now: datetime) -> int:
        """Cases past their due instant at `now` with no first response and not closed.

        Compared as text: every instant in the views is written by `isoformat()` in UTC,
        whose strings sort as the instants do."""
        (count,) = self._execute(
            "SELECT COUNT(*) FROM views_sla_cases WHERE first_response_at IS NULL"
            " AND closed_at IS NULL AND due_at < ?",
            (now.astimezone(UTC).isoformat(),),
        ).fetchone()
        return int(count)

    def sla_rows(self) -> list[SlaCase]:
        rows = self._execute("SELECT * FROM views_sla_cases").fetchall()
        return [sla_case(row) for row in rows]

    def metric_timelines(self, case_ids: list[str] | None = None) -> dict[str, CaseTimeline]:
        """SLA v2: every case's timeline (or those of `case_ids`), read back from its audit
        rows (the views hold each event already: the metrics are computed from them as of
        any T, like the replay's)."""
        types = ",".join(f"'{name}'" for name in TIMELINE_TYPES)  # our own names: no input
        select = f"SELECT case_id, type, at, data FROM views_audit_events WHERE type IN ({types})"
        if case_ids is None:
            rows = self._execute(f"{select} ORDER BY case_id, version").fetchall()
        else:
            ordered = f"{select} AND case_id IN ({{marks}}) ORDER BY case_id, version"
            rows = list(self._rows_for_cases(ordered, case_ids))
        timelines: dict[str, CaseTimeline] = {}
        for case_id, type_, at, data in rows:
            fold_entry(timelines, case_id, type_, datetime.fromisoformat(at), json.loads(data))
        return timelines

    def sla_row(self, case_id: str) -> SlaCase | None:
        row = self._execute(
            "SELECT * FROM views_sla_cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        return None if row is None else sla_case(row)

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
        return [rejected_message(row) for row in rows]

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
        return [((int(row[6]), int(row[7]), row[0]), rejected_message(row)) for row in rows]

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
