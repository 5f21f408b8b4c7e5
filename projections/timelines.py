"""A case's metrics timeline (SLA v2): its opening, pinned calendar, severity changes and
the instants of the messages that start, end or pause a clock, folded from its events (or
from the views' audit rows, which hold the same type names and data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_KINDS: dict[str, str] = {
    "FirstResponse": "first_response",
    "Responded": "responded",
    "CustomerReplied": "replied",
    "AwaitingCustomer": "awaiting",
    "SeverityAgreed": "decision",
    "SeverityDeclined": "decision",
    "Resolved": "resolved",
    "Reopened": "reopened",
    "Closed": "closed",
}
"""What each event type is to the metrics (by name: the views hold events as audit rows)."""
TIMELINE_TYPES = ("Opened", *_KINDS)


@dataclass
class CaseTimeline:
    """What the metrics need of a case: its opening, pinned calendar, severity changes and
    the instants of the messages that start, end or pause a clock."""

    case_id: str
    opened_at: datetime
    severity: int
    calendar_id: str
    calendar_hash: str | None
    customer_id: str = ""
    changes: list[tuple[datetime, int]] = field(default_factory=list)
    entries: list[tuple[datetime, str]] = field(default_factory=list)

    def severity_at(self, instant: datetime) -> int:
        severity = self.severity
        for at, to_severity in self.changes:
            if at <= instant:
                severity = to_severity
        return severity

    def seen(self, as_of: datetime) -> list[tuple[datetime, str]]:
        return [(at, kind) for at, kind in self.entries if at <= as_of]


def fold_entry(
    timelines: dict[str, CaseTimeline], case_id: str, type_: str, at: datetime, data: dict[str, Any]
) -> None:
    """One event (its type name, instant and published data) into its case's timeline."""
    if type_ == "Opened":
        timelines[case_id] = CaseTimeline(
            case_id,
            at,
            data["severity"],
            data.get("calendar_id") or "always",
            data.get("calendar_hash"),
            data.get("customer_id", ""),
        )
        return
    timeline = timelines.get(case_id)
    kind = _KINDS.get(type_)
    if timeline is None or kind is None:
        return
    if type_ == "SeverityAgreed":
        timeline.changes.append((at, data["to_severity"]))
    timeline.entries.append((at, kind))
