"""The audit history: every event of a case in order, and the record of severity changes.

Each severity change shows the proposal, its outcome, who decided and when; "as of T" shows
what was known then (a proposal decided after T is still pending at T).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from domain.case import Case
from domain.event_codec import event_data, event_type
from domain.timefmt import format_instant

Outcome = Literal["agreed", "declined", "superseded", "pending"]


@dataclass(frozen=True)
class SeverityChange:
    proposal_id: str
    from_severity: int
    to_severity: int
    proposed_by: str
    proposed_at: datetime
    reason: str
    outcome: Outcome = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    superseded_by: str | None = None

    def as_of(self, instant: datetime) -> SeverityChange:
        if self.decided_at is not None and self.decided_at > instant:
            return replace(
                self, outcome="pending", decided_by=None, decided_at=None, superseded_by=None
            )
        return self

    def to_report(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "proposal_id": self.proposal_id,
            "from": self.from_severity,
            "to": self.to_severity,
            "proposed_by": self.proposed_by,
            "proposed_at": format_instant(self.proposed_at),
            "outcome": self.outcome,
            "decided_by": self.decided_by,
            "decided_at": format_instant(self.decided_at),
        }
        if self.superseded_by is not None:
            entry["superseded_by"] = self.superseded_by
        return entry


@dataclass(frozen=True)
class AuditEntry:
    """One event of a case as an auditor reads it: what, when, who, and which message caused it."""

    version: int
    type: str
    at: datetime
    actor_id: str
    actor_role: str
    message_id: str
    data: dict[str, Any]
    extra: dict[str, Any]
    source: str | None = None  # the declared source that signed the record (contract 1.2)

    def to_report(self) -> dict[str, Any]:
        report = {
            "version": self.version,
            "type": self.type,
            "at": format_instant(self.at),
            "actor": {"id": self.actor_id, "role": self.actor_role},
            "message_id": self.message_id,
            "data": self.data,
            "extra": self.extra,
        }
        if self.source is not None:  # as on the wire: only signed records name one
            report["source"] = self.source
        return report


@dataclass
class CaseAudit:
    case_id: str
    customer_id: str
    opened_at: datetime
    events: list[AuditEntry] = field(default_factory=list)
    severity_changes: list[SeverityChange] = field(default_factory=list)

    version: int = 0

    def to_report(self, as_of: datetime, with_events: bool = False) -> dict[str, Any]:
        changes = [
            c.as_of(as_of).to_report() for c in self.severity_changes if c.proposed_at <= as_of
        ]
        entry: dict[str, Any] = {"severity_changes": changes}
        if with_events:
            entry["customer_id"] = self.customer_id
            entry["events"] = [e.to_report() for e in self.events if e.at <= as_of]
        return entry


def audit_entry(event: Case.Event) -> AuditEntry:
    return AuditEntry(
        version=event.originator_version,
        type=event_type(event),
        at=event.timestamp,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        message_id=event.message_id,
        data=event_data(event),
        extra=dict(event.extra),
        source=event.source,
    )


def fold_severity_change(changes: list[SeverityChange], entry: AuditEntry) -> None:
    """Update the severity-change record of a case with one audit entry (in place).

    Works on audit entries, not domain events, so the durable view folds its stored rows
    with exactly the code the in-memory view uses.
    """
    data = entry.data
    if entry.type == "SeverityProposed":
        changes.append(
            SeverityChange(
                proposal_id=data["proposal_id"],
                from_severity=data["from_severity"],
                to_severity=data["to_severity"],
                proposed_by=entry.actor_id,
                proposed_at=entry.at,
                reason=data["reason"],
            )
        )
        return
    outcome: Outcome
    if entry.type == "SeverityAgreed":
        outcome, decided_by, superseded_by = "agreed", entry.actor_id, None
    elif entry.type == "SeverityDeclined":
        outcome, decided_by, superseded_by = "declined", entry.actor_id, None
    elif entry.type == "SeverityProposalSuperseded":
        outcome, decided_by, superseded_by = "superseded", None, data["superseded_by"]
    else:
        return
    for index in range(len(changes) - 1, -1, -1):
        change = changes[index]
        if change.proposal_id == data["proposal_id"] and change.outcome == "pending":
            # Built whole rather than by `dataclasses.replace`, which inspects the fields on
            # every call: this runs for every decision of every replayed case.
            changes[index] = SeverityChange(
                change.proposal_id,
                change.from_severity,
                change.to_severity,
                change.proposed_by,
                change.proposed_at,
                change.reason,
                outcome,
                decided_by,
                entry.at,
                superseded_by,
            )
            return


def case_audit_from_entries(case_id: str, customer_id: str, entries: list[AuditEntry]) -> CaseAudit:
    """Rebuild a case's audit from its stored entries (in version order)."""
    audit = CaseAudit(case_id, customer_id, entries[0].at if entries else datetime.min)
    for entry in entries:
        audit.events.append(entry)
        audit.version = entry.version
        fold_severity_change(audit.severity_changes, entry)
    return audit


SEVERITY_EVENTS = (
    Case.SeverityProposed,
    Case.SeverityAgreed,
    Case.SeverityDeclined,
    Case.SeverityProposalSuperseded,
)


class AuditView:
    """In-memory audit history, fed by domain events in per-case order.

    With `keep_events=False` (the replay report, which shows only severity changes) it
    keeps per case, not per event, so memory grows with cases, not with history length.
    """

    def __init__(self, keep_events: bool = True) -> None:
        self.cases: dict[str, CaseAudit] = {}
        self._keep_events = keep_events

    def apply(self, event: Case.Event) -> None:
        audit = self.cases.get(event.case_id)
        if audit is None:
            if not isinstance(event, Case.Opened):
                return
            audit = CaseAudit(event.case_id, event.customer_id, event.timestamp)
            self.cases[event.case_id] = audit
        if event.originator_version <= audit.version:
            return  # already applied
        audit.version = event.originator_version
        if not self._keep_events and not isinstance(event, SEVERITY_EVENTS):
            return
        entry = audit_entry(event)
        if self._keep_events:
            audit.events.append(entry)
        fold_severity_change(audit.severity_changes, entry)

    def report(self, as_of: datetime) -> dict[str, Any]:
        visible = sorted(
            (a for a in self.cases.values() if a.opened_at <= as_of),
            key=lambda a: (a.opened_at, a.case_id),
        )
        return {audit.case_id: audit.to_report(as_of) for audit in visible}
