"""The durable views (SLA, audit history, rejected messages) in SQLite or PostgreSQL.

Rows and the Kafka position they reflect are written in one transaction, so a crash
between them is impossible and a redelivered record is recognised by its offset. The
rows keep every instant the contract's semantics need, so "as of T" is answered from them.
This module writes; `view_queries` reads, `warning_checks` scans for breach warnings, and
`view_db` holds the connection they share.
"""

from __future__ import annotations

from consumers.view_queries import ViewQueries
from consumers.view_rows import json_text, rejection_params, sla_case, sla_params
from consumers.view_schema import VIEW_TABLES
from consumers.warning_checks import WarningChecks
from domain.case import Case
from projections.audit import audit_entry
from projections.rejections import RejectedMessage
from projections.sla import SlaCase, apply_to_sla_case


class ViewStore(ViewQueries, WarningChecks):
    """The views of one connection: written from the events topic, read by the reports."""

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
                    json_text(entry.data),
                    json_text(entry.extra),
                    entry.source,
                )
            )
        self._executemany(
            "INSERT INTO views_audit_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, version) DO NOTHING",
            audit_rows,
        )
        self._executemany(
            "INSERT INTO views_sla_cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET first_response_at = excluded.first_response_at, "
            "closed_at = excluded.closed_at, severity_changes = excluded.severity_changes, "
            "version = excluded.version",
            [sla_params(row) for row in rows.values() if row is not None],
        )
        self._schedule_checks([row for row in rows.values() if row is not None])
        if self.track_metric_checks:  # SLA v2: each case a batch touched is looked at next
            self._executemany(
                "INSERT INTO views_metric_checks (case_id, check_at) VALUES (?, 0) "
                "ON CONFLICT (case_id) DO UPDATE SET check_at = 0",
                [(case_id,) for case_id in rows],
            )

    def _sla_rows_for(self, case_ids: list[str]) -> dict[str, SlaCase]:
        rows = self._rows_for_cases(
            "SELECT * FROM views_sla_cases WHERE case_id IN ({marks})", case_ids
        )
        return {row[0]: sla_case(row) for row in rows}

    def _insert_rejections(self, rejections: list[RejectedMessage]) -> None:
        self._executemany(
            "INSERT INTO views_rejected VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO NOTHING",
            [rejection_params(rejection) for rejection in rejections],
        )
