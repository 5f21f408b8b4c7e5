"""SLA v2 warnings: 50 %, 75 % and 100 % of each next_response cycle's and each case's
resolution target, in business time (contract sla-v2, "Warnings").

Pure: a case's timeline, its calendar, the policy and an instant in; the warnings whose
threshold has passed by then out, each dated at its threshold. A threshold is computed with
the target in force: when a severity change moves one into the past, it is dated at the
change. An item that ended before its threshold (answered, resolved, closed) never warns
at it; paused time does not advance the resolution clock. Each warning is named by (case,
metric, item, level), so recording it twice is impossible, and a reopened case's resolution
never repeats a threshold it passed before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.calendars import Calendar
from domain.policy import Policy
from domain.timefmt import format_exact_instant, format_instant
from projections.timelines import CaseTimeline, cycles_until, resolution_clock
from projections.warnings import LEVELS

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class MetricWarning:
    case_id: str
    customer_id: str
    metric: str
    item: str
    """The cycle's start (exact text) for next_response; empty for the case's resolution."""
    level: int
    kind: str
    at: datetime
    severity: int

    @property
    def warning_id(self) -> str:
        return f"{self.case_id}|{self.metric}|{self.item}|{self.level}"

    def to_wire(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "schema": "casebook.sla-warning/v1",
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "metric": self.metric,
            "current_severity": self.severity,
            "level": self.level,
            "kind": self.kind,
            "at": format_instant(self.at),
        }
        if self.metric == "next_response":
            document["cycle_started_at"] = format_instant(datetime.fromisoformat(self.item))
        return document


@dataclass(frozen=True)
class _Item:
    metric: str
    item: str
    begin: datetime
    """When its clock started (the cycle's start, the case's opening)."""
    counted: list[Span]
    """Where the item's clock ran (clipped at its end, or at `now`)."""
    ended: datetime | None


def metric_warnings(
    timeline: CaseTimeline, calendar: Calendar, policy: Policy, now: datetime
) -> list[MetricWarning]:
    """Every warning of the case's metric items whose threshold has passed by `now`."""
    warnings = []
    for item in _items(timeline, policy, now):
        for level, fraction, kind in LEVELS:
            found = _threshold(timeline, calendar, policy, item, fraction)
            if found is None:
                break
            at, severity = found
            passed = now > at if kind == "breached" else now >= at
            if not passed or (item.ended is not None and item.ended <= at):
                break
            warnings.append(
                MetricWarning(
                    timeline.case_id,
                    timeline.customer_id,
                    item.metric,
                    item.item,
                    level,
                    kind,
                    at,
                    severity,
                )
            )
    return warnings


def next_check(
    timeline: CaseTimeline, calendar: Calendar, policy: Policy, now: datetime
) -> datetime | None:
    """The first instant after `now` at which `metric_warnings` could give one more, if no
    message arrives (one that does is a change, and its case is looked at again); None when
    none can (every item ended, paused or warned at every level)."""
    soonest: datetime | None = None
    for item in _items(timeline, policy, now):
        if item.ended is not None or not item.counted or item.counted[-1][1] != now:
            continue  # ended, or paused: only a message moves it on
        for _, fraction, kind in LEVELS:
            found = _threshold(timeline, calendar, policy, item, fraction)
            if found is not None and (now > found[0] if kind == "breached" else now >= found[0]):
                continue  # passed already: the scan at `now` records it
            minutes = policy.metric_target(timeline.severity_at(now), item.metric)
            if minutes is None:
                break
            goal = timedelta(minutes=minutes) * fraction
            counted = _counted_until(calendar, item.counted, now)
            at = now if counted >= goal else calendar.due(now, goal - counted)
            if at is not None:
                if kind == "breached":
                    at += timedelta(microseconds=1)  # a breach is past the due instant
                soonest = at if soonest is None else min(soonest, at)
            break
    return soonest


def _items(timeline: CaseTimeline, policy: Policy, now: datetime) -> list[_Item]:
    items = []
    if policy.measures("next_response"):
        for cycle in cycles_until(timeline, now):
            name = format_exact_instant(cycle.started)
            span = (cycle.started, cycle.ended or now)
            items.append(_Item("next_response", name, cycle.started, [span], cycle.ended))
    if policy.measures("resolution"):
        clock = resolution_clock(timeline, now)
        ended = clock.stopped[0] if clock.stopped else None
        items.append(_Item("resolution", "", timeline.opened_at, clock.counted(), ended))
    return items


def _threshold(
    timeline: CaseTimeline, calendar: Calendar, policy: Policy, item: _Item, fraction: float
) -> tuple[datetime, int] | None:
    """The first instant the item's counted time reaches `fraction` of the target in force
    (at a severity change when that change moved it into the past), and that severity."""
    begin = item.begin
    end = item.counted[-1][1] if item.counted else begin
    changes = [(at, severity) for at, severity in timeline.changes if begin < at < end]
    bounds = [begin, *(at for at, _ in changes), end]
    severities = [timeline.severity_at(begin), *(severity for _, severity in changes)]
    for start, stop, severity in zip(bounds, bounds[1:], severities, strict=False):
        minutes = policy.metric_target(severity, item.metric)
        if minutes is None:
            continue  # not measured at that severity
        goal = timedelta(minutes=minutes) * fraction
        before = _counted_until(calendar, item.counted, start)
        if before >= goal:
            return start, severity
        reached = calendar.reached_within(item.counted, goal)
        if reached is not None and (reached < stop or (stop == end and reached <= stop)):
            return reached, severity
    return None


def _counted_until(calendar: Calendar, counted: list[Span], instant: datetime) -> timedelta:
    total = timedelta(0)
    for start, end in counted:
        if start >= instant:
            break
        total += calendar.business_time(start, min(end, instant))
    return total
