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


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Cycle:
    """A next_response cycle: from a customer's message after the first response to the
    response, resolution or closure that ended it (None: running at T)."""

    started: datetime
    ended: datetime | None
    ended_by: str | None


def cycles_until(timeline: CaseTimeline, as_of: datetime) -> list[Cycle]:
    """The case's cycles as of T (contract 2.0: one starts at a reply or a reopening after
    the first response when none runs; a reply on a resolved case starts none)."""
    cycles: list[Cycle] = []
    answered = resolved = False
    started: datetime | None = None
    for at, kind in timeline.seen(as_of):
        if kind == "first_response":
            answered = True
        elif kind in ("replied", "reopened"):
            resolved = resolved and kind != "reopened"
            if answered and not resolved and started is None:
                started = at
        elif kind in ("responded", "resolved", "closed"):
            resolved = resolved or kind == "resolved"
            if started is not None:
                ended_by = {"responded": "response", "resolved": "resolution"}.get(kind, "closure")
                cycles.append(Cycle(started, at, ended_by))
                started = None
    if started is not None:
        cycles.append(Cycle(started, None, None))
    return cycles


@dataclass(frozen=True)
class ResolutionClock:
    """Where the resolution clock ran and was paused, as of T."""

    running: list[Span]
    pauses: list[Span]
    """Within the running spans: from awaiting_customer to the customer's next message."""
    stopped: tuple[datetime, str] | None
    """When and how it stopped for good (`resolution` or `closure`), if it has."""
    paused_now: bool

    def counted(self) -> list[Span]:
        """The running spans less the pauses: where the clock counted."""
        result = []
        for start, end in self.running:
            cursor = start
            for hole_start, hole_end in sorted(self.pauses):
                if hole_end <= cursor or hole_start >= end:
                    continue
                if hole_start > cursor:
                    result.append((cursor, hole_start))
                cursor = max(cursor, hole_end)
            if cursor < end:
                result.append((cursor, end))
        return result


def resolution_clock(timeline: CaseTimeline, as_of: datetime) -> ResolutionClock:
    """From the opening to the final resolution or closure, resumed by a reopening, paused
    from awaiting_customer to the customer's next reply or decision (or the end)."""
    running: list[Span] = []
    pauses: list[Span] = []
    since: datetime | None = timeline.opened_at
    paused_since: datetime | None = None
    stopped: tuple[datetime, str] | None = None
    for at, kind in timeline.seen(as_of):
        if kind == "awaiting" and since is not None:
            paused_since = at
        elif kind in ("replied", "decision") and paused_since is not None:
            pauses.append((paused_since, at))
            paused_since = None
        elif kind in ("resolved", "closed") and since is not None:
            running.append((since, at))
            if paused_since is not None:
                pauses.append((paused_since, at))
            since, paused_since = None, None
            stopped = (at, "resolution" if kind == "resolved" else "closure")
        elif kind == "reopened":
            since, stopped = at, None
    if since is not None:
        running.append((since, as_of))
    paused_now = paused_since is not None
    if paused_since is not None:
        pauses.append((paused_since, as_of))
    return ResolutionClock(running, pauses, stopped, paused_now)
