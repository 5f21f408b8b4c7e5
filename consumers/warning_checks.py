"""Breach warnings from the views: when each case is next worth a look, the scan of the
cases whose time has come, and the warnings recorded once each (the warnings relay's outbox).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consumers.view_db import ViewDatabase
from consumers.view_rows import micros, sla_case
from domain.policy import Policy
from projections.metric_warnings import MetricWarning, metric_warnings, next_check
from projections.sla import SlaCase
from projections.warnings import SlaWarning, due_warnings, next_check_at

# Cases the warnings scan holds in memory at once.
WARNING_SCAN_PAGE = 500


@dataclass(frozen=True)
class _CheckedCase:
    check_at: int
    case: SlaCase


class WarningChecks(ViewDatabase):
    """The warnings side of the view store."""

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
                upserts.append((row.case_id, micros(check)))
        self._executemany(
            "INSERT INTO views_warning_checks (case_id, check_at) VALUES (?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET check_at = excluded.check_at",
            upserts,
        )
        self._executemany("DELETE FROM views_warning_checks WHERE case_id = ?", deletes)

    def record_due_warnings(self, now: datetime) -> Counter[str]:
        """Record every breach warning due at `now` that is not recorded yet; returns how
        many of each kind (`half_time_passed`, `three_quarter_time_passed`, `breached`).

        One transaction; on PostgreSQL the table is locked so sequence numbers commit in
        order and the warnings relay, reading "after the last seq", never skips one.
        """
        with self._transaction():
            if self._postgres:
                self._execute("LOCK TABLE warnings_emitted IN EXCLUSIVE MODE")
            recorded: Counter[str] = Counter()
            after: tuple[int, str] = (-1, "")
            while True:
                page = self._due_for_check(micros(now), after)
                if not page:
                    break
                cases = [checked.case for checked in page]
                warned = self._warned_levels([case.case_id for case in cases])
                for case in cases:
                    for warning in due_warnings(case, now, warned.get(case.case_id, 0)):
                        self._record_warning(warning)
                        warned[case.case_id] = warning.level
                        recorded[warning.kind] += 1
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
        return [_CheckedCase(row[0], sla_case(row[1:])) for row in rows]

    def _warned_levels(self, case_ids: list[str]) -> dict[str, int]:
        marks = ",".join("?" * len(case_ids))
        rows = self._execute(
            f"SELECT case_id, MAX(level) FROM warnings_emitted WHERE case_id IN ({marks}) "
            "AND metric = 'first_response' GROUP BY case_id",
            tuple(case_ids),
        ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def _record_warning(self, warning: SlaWarning) -> None:
        self._execute(
            "INSERT INTO warnings_emitted (case_id, level, kind, at, due_at, customer_id, "
            "sla_severity) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, metric, item, level) DO NOTHING",
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

    def warnings_after(self, seq: int, limit: int) -> list[tuple[int, Warning]]:
        rows = self._execute(
            "SELECT seq, case_id, customer_id, sla_severity, level, kind, at, due_at, metric, "
            "item FROM warnings_emitted WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [(row[0], _warning(row)) for row in rows]

    def record_metric_warnings(self, now: datetime, policy: Policy) -> Counter[str]:
        """SLA v2: record every next_response and resolution warning due at `now` that is
        not recorded yet (each once: its item names it); returns how many of each kind.

        Only the cases whose metric check time has come are read (a batch that touches a
        case makes it due at once; `next_check` says when an untouched one is next worth a
        look); the first scan of a process looks at every case once, so cases decided
        while no runner tracked the checks are never missed. A closed case still gets the
        warnings whose thresholds came before its closure, then is checked no more."""
        with self._transaction():
            if self._postgres:
                self._execute("LOCK TABLE warnings_emitted IN EXCLUSIVE MODE")
            if not self._metric_checks_seeded:
                self._execute(
                    "INSERT INTO views_metric_checks (case_id, check_at) SELECT case_id, 0 "
                    "FROM views_sla_cases WHERE true "  # (SQLite: else ON reads as a join's)
                    "ON CONFLICT (case_id) DO UPDATE SET check_at = 0"
                )
            recorded: Counter[str] = Counter()
            after: tuple[int, str] = (-1, "")
            while True:
                page = self._execute(
                    "SELECT check_at, case_id FROM views_metric_checks WHERE check_at <= ? "
                    "AND (check_at > ? OR (check_at = ? AND case_id > ?)) "
                    "ORDER BY check_at, case_id LIMIT ?",
                    (micros(now), after[0], after[0], after[1], WARNING_SCAN_PAGE),
                ).fetchall()
                if not page:
                    break
                self._check_metrics([row[1] for row in page], now, policy, recorded)
                after = (int(page[-1][0]), page[-1][1])
                if len(page) < WARNING_SCAN_PAGE:
                    break
        self._metric_checks_seeded = True
        return recorded

    def _check_metrics(
        self, case_ids: list[str], now: datetime, policy: Policy, recorded: Counter[str]
    ) -> None:
        timelines = self.metric_timelines(case_ids)  # type: ignore[attr-defined]
        upserts, deletes = [], []
        for case_id in case_ids:
            timeline = timelines.get(case_id)
            if timeline is None:
                deletes.append((case_id,))
                continue
            calendar = policy.pinned_calendar(timeline.calendar_id, timeline.calendar_hash)
            for warning in metric_warnings(timeline, calendar, policy, now):
                if self._record_metric_warning(warning):
                    recorded[warning.kind] += 1
            check = next_check(timeline, calendar, policy, now)
            if check is None:
                deletes.append((case_id,))
            else:
                upserts.append((case_id, micros(check)))
        self._executemany(
            "INSERT INTO views_metric_checks (case_id, check_at) VALUES (?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET check_at = excluded.check_at",
            upserts,
        )
        self._executemany("DELETE FROM views_metric_checks WHERE case_id = ?", deletes)

    def _record_metric_warning(self, warning: MetricWarning) -> bool:
        cursor = self._execute(
            "INSERT INTO warnings_emitted (case_id, level, kind, at, due_at, customer_id, "
            "sla_severity, metric, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, metric, item, level) DO NOTHING",
            (
                warning.case_id,
                warning.level,
                warning.kind,
                warning.at.isoformat(),
                warning.at.isoformat(),  # the column is the first response's due instant
                warning.customer_id,
                warning.severity,
                warning.metric,
                warning.item,
            ),
        )
        return bool(cursor.rowcount)


Warning = SlaWarning | MetricWarning
"""A recorded warning as the warnings relay publishes it."""


def _warning(row: Any) -> Warning:
    if row[8] != "first_response":
        return MetricWarning(
            row[1], row[2], row[8], row[9], row[4], row[5], datetime.fromisoformat(row[6]), row[3]
        )
    return SlaWarning(
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        datetime.fromisoformat(row[6]),
        datetime.fromisoformat(row[7]),
    )
