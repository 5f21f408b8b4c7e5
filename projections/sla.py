"""The SLA compliance view: first-response status per case, per severity and in total.

Rows keep every instant the contract's semantics need (opening, due, first response, first
close, agreed severity changes), so one row answers "as of any T" without replaying events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from domain.case import Case
from domain.opening import NEVER_DUE
from domain.timefmt import format_instant

Status = Literal["met", "breached", "void", "pending"]
STATUSES: tuple[Status, ...] = ("met", "breached", "pending", "void")
SEVERITY_LEVELS = (1, 2, 3, 4)


@dataclass
class SlaCase:
    case_id: str
    customer_id: str
    sla_severity: int
    requested_severity: int
    opened_at: datetime
    due_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    severity_changes: list[tuple[datetime, int]] = field(default_factory=list)
    version: int = 0
    warn_at: tuple[datetime, datetime] | None = None
    """The 50 % and 75 % instants in business time (SLA v2); None: shares of the real time."""

    def current_severity(self, as_of: datetime) -> int:
        """The severity in force at `as_of`: the last agreed change dated at or before it."""
        severity = self.sla_severity
        for at, to_severity in self.severity_changes:
            if at <= as_of:
                severity = to_severity
        return severity

    def status(self, as_of: datetime) -> Status:
        """The contract's first-response status, counting only what happened at or before T."""
        return self._status(as_of, self._responded(as_of))

    def _responded(self, as_of: datetime) -> datetime | None:
        """The first response, if it came at or before T."""
        responded = self.first_response_at
        return responded if responded and responded <= as_of else None

    def _status(self, as_of: datetime, responded: datetime | None) -> Status:
        if responded is not None:
            return "met" if responded <= self.due_at else "breached"
        if self.closed_at is not None and self.closed_at <= as_of and self.closed_at <= self.due_at:
            return "void"
        return "breached" if as_of > self.due_at else "pending"

    def to_report(self, as_of: datetime) -> dict[str, Any]:
        responded = self._responded(as_of)
        return {
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "sla_severity": self.sla_severity,
            "requested_severity": self.requested_severity,
            "current_severity": self.current_severity(as_of)
            if self.severity_changes
            else self.sla_severity,
            "opened_at": format_instant(self.opened_at),
            "due_at": None if self.due_at == NEVER_DUE else format_instant(self.due_at),
            "first_response_at": format_instant(responded),
            "status": self._status(as_of, responded),
        }


def apply_to_sla_case(row: SlaCase | None, event: Case.Event) -> SlaCase | None:
    """Fold one event into a case's row. Pure; the caller skips versions already applied."""
    if isinstance(event, Case.Opened):
        return SlaCase(
            case_id=event.case_id,
            customer_id=event.customer_id,
            sla_severity=event.severity,
            requested_severity=event.requested_severity,
            opened_at=event.timestamp,
            due_at=event.due_at,
            version=event.originator_version,
            warn_at=None
            if event.half_time_at is None or event.three_quarter_time_at is None
            else (event.half_time_at, event.three_quarter_time_at),
        )
    if row is None:
        return None
    if isinstance(event, Case.FirstResponse):
        row.first_response_at = event.timestamp
    elif isinstance(event, Case.SeverityAgreed):
        row.severity_changes.append((event.timestamp, event.to_severity))
    elif isinstance(event, Case.Closed) and row.closed_at is None:
        row.closed_at = event.timestamp
    row.version = event.originator_version
    return row


class SlaView:
    """In-memory SLA view, fed by domain events in per-case order."""

    def __init__(self) -> None:
        self.cases: dict[str, SlaCase] = {}

    def apply(self, event: Case.Event) -> None:
        row = self.cases.get(event.case_id)
        if row is not None and event.originator_version <= row.version:
            return  # already applied: a re-published event changes nothing
        updated = apply_to_sla_case(row, event)
        if updated is not None:
            self.cases[event.case_id] = updated

    def report(self, as_of: datetime) -> dict[str, Any]:
        return sla_report(self.cases.values(), as_of)


def sla_report(rows: Any, as_of: datetime) -> dict[str, Any]:
    """The contract's `sla` section for the cases opened at or before `as_of`."""
    visible = sorted(
        (row for row in rows if row.opened_at <= as_of), key=lambda r: (r.opened_at, r.case_id)
    )
    tally = SlaTally()
    cases = [tally.entry(row, as_of) for row in visible]
    return {"cases": cases, "by_severity": tally.by_severity(), "total": tally.total()}


class SlaTally:
    """The counts of the `sla` section, kept as its rows are reported one at a time.

    Shared by the in-memory report and the streamed one (which never holds all rows), so
    both count with the same code.
    """

    def __init__(self) -> None:
        self._by_severity = {str(level): _empty_counts() for level in SEVERITY_LEVELS}
        self._total = _empty_counts()

    def entry(self, row: SlaCase, as_of: datetime) -> dict[str, Any]:
        """The row's report entry, counted."""
        entry = row.to_report(as_of)
        self._count(row.sla_severity, entry["status"])
        return entry

    def count(self, row: SlaCase, as_of: datetime) -> Status:
        """Count the row without building its entry (for a page of a larger report)."""
        status = row.status(as_of)
        self._count(row.sla_severity, status)
        return status

    def _count(self, severity: int, status: Status) -> None:
        for counts in (self._by_severity[str(severity)], self._total):
            counts["opened"] += 1
            counts[status] += 1

    def by_severity(self) -> dict[str, dict[str, Any]]:
        return {label: _with_compliance(counts) for label, counts in self._by_severity.items()}

    def total(self) -> dict[str, Any]:
        return _with_compliance(self._total)


def compliance(met: int, breached: int) -> float | None:
    """met / (met + breached); undefined (None) when nothing was due yet."""
    judged = met + breached
    return met / judged if judged else None


def _with_compliance(counts: dict[str, Any]) -> dict[str, Any]:
    return {**counts, "compliance": compliance(counts["met"], counts["breached"])}


def _empty_counts() -> dict[str, Any]:
    return {"opened": 0, "met": 0, "breached": 0, "pending": 0, "void": 0, "compliance": None}
