"""The report a generated history must produce, computed from what each message was meant
to do (not by the domain code): the independent oracle of the replay tests and the bench."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tooling.histories.shape import TARGET_MINUTES, counts, visible_at, z_instant


@dataclass
class ExpectedProposal:
    proposal_id: str
    from_severity: int
    to_severity: int
    proposed_by: str
    proposed_at: datetime
    outcome: str = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None

    def report(self, as_of: datetime) -> dict[str, Any]:
        decided = self.decided_at is not None and self.decided_at <= as_of
        return {
            "proposal_id": self.proposal_id,
            "from": self.from_severity,
            "to": self.to_severity,
            "proposed_by": self.proposed_by,
            "proposed_at": z_instant(self.proposed_at),
            "outcome": self.outcome if decided else "pending",
            "decided_by": self.decided_by if decided else None,
            "decided_at": z_instant(self.decided_at) if decided else None,
        }


@dataclass
class ExpectedCase:
    case_id: str
    customer_id: str
    requested_severity: int
    sla_severity: int
    capped: bool
    opened_at: datetime
    due_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    agreed: list[tuple[datetime, int]] = field(default_factory=list)
    proposals: list[ExpectedProposal] = field(default_factory=list)

    def status(self, as_of: datetime) -> str:
        """The contract's first-response status, restated from the contract's text."""
        response = self.first_response_at
        if response is not None and response <= as_of:
            return "met" if response <= self.due_at else "breached"
        if self.closed_at is not None and self.closed_at <= as_of and self.closed_at <= self.due_at:
            return "void"
        return "breached" if as_of > self.due_at else "pending"

    def severity(self, as_of: datetime) -> int:
        current = self.sla_severity
        for at, to_severity in self.agreed:
            if at <= as_of:
                current = to_severity
        return current

    def report(self, as_of: datetime) -> dict[str, Any]:
        response = self.first_response_at
        return {
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "sla_severity": self.sla_severity,
            "requested_severity": self.requested_severity,
            "current_severity": self.severity(as_of),
            "opened_at": z_instant(self.opened_at),
            "due_at": z_instant(self.due_at),
            "first_response_at": z_instant(response) if response and response <= as_of else None,
            "status": self.status(as_of),
        }


@dataclass(frozen=True)
class ExpectedRejection:
    line: int
    message_id: str | None
    case_id: str | None
    at: datetime | None
    reason: str

    def report(self) -> dict[str, Any]:
        if self.message_id is None:
            return {"line": self.line, "reason": self.reason}
        return {"message_id": self.message_id, "case_id": self.case_id, "reason": self.reason}


@dataclass
class ExpectedHistory:
    """What replaying the history must report, known from how it was written."""

    cases: dict[str, ExpectedCase]
    rejections: list[ExpectedRejection]
    latest_at: datetime | None
    lines: int
    duplicates: int

    def rejections_by_reason(self, as_of: datetime | None = None) -> Counter[str]:
        instant = as_of or self.latest_at
        return Counter(r.reason for r in self.rejections if visible_at(r.at, instant))

    def statuses(self, as_of: datetime | None = None) -> dict[str, str]:
        instant = as_of or self.latest_at
        assert instant is not None
        return {c.case_id: c.status(instant) for c in self.cases.values() if c.opened_at <= instant}

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The contract's fields of the replay report, as of T (default: the latest valid `at`)."""
        instant = as_of or self.latest_at
        assert instant is not None, "a history with no valid message has no default instant"
        visible = sorted(
            (c for c in self.cases.values() if c.opened_at <= instant),
            key=lambda c: (c.opened_at, c.case_id),
        )
        rows = [c.report(instant) for c in visible]
        by_severity = {
            str(level): counts([r for r in rows if r["sla_severity"] == level])
            for level in TARGET_MINUTES
        }
        return {
            "as_of": z_instant(instant),
            "sla": {"cases": rows, "by_severity": by_severity, "total": counts(rows)},
            "rejected": [r.report() for r in self.rejections if visible_at(r.at, instant)],
            "audit": {
                c.case_id: {
                    "severity_changes": [
                        p.report(instant) for p in c.proposals if p.proposed_at <= instant
                    ]
                }
                for c in visible
            },
        }


@dataclass(frozen=True)
class GeneratedHistory:
    lines: list[bytes]
    expected: ExpectedHistory
