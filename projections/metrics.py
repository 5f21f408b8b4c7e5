"""SLA v2's `metrics` section: next_response cycles and the resolution clock with pauses,
in each case's business time (contract sla-v2, "Precise rules").

Pure: each case keeps its timeline (what happened, when: a few entries per message), and the
report at T is computed from the entries dated at or before T, with the calendar pinned at
opening and the policy's targets for the severity in force at the moment that decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.calendars import Calendar
from domain.case import Case
from domain.policy import Policy
from domain.timefmt import format_instant
from projections.sla import SEVERITY_LEVELS, compliance
from projections.timelines import (
    CaseTimeline,
    Cycle,
    cycles_until,
    fold_entry,
    resolution_clock,
)

NEXT_COUNTS = ("met", "breached", "pending", "void")
RESOLUTION_COUNTS = ("met", "breached", "pending", "paused", "void")


class MetricsView:
    """Every case's timeline, fed by its events in order; the report as of any T."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.cases: dict[str, CaseTimeline] = {}

    def apply(self, event: Case.Event) -> None:
        type_ = type(event).__name__
        data: dict[str, Any] = {}
        if isinstance(event, Case.Opened):
            data = {
                "severity": event.severity,
                "calendar_id": event.calendar_id,
                "calendar_hash": event.calendar_hash,
                "customer_id": event.customer_id,
            }
        elif isinstance(event, Case.SeverityAgreed):
            data = {"to_severity": event.to_severity}
        fold_entry(self.cases, event.case_id, type_, event.timestamp, data)

    def report(self, case_ids: list[str], as_of: datetime) -> dict[str, Any]:
        """The section for the cases of `sla.cases`, in its order."""
        return metrics_section([self.cases[case_id] for case_id in case_ids], as_of, self.policy)


def metrics_section(
    timelines: list[CaseTimeline], as_of: datetime, policy: Policy
) -> dict[str, Any]:
    """The `metrics` section: a metric is present when some severity has a target for it."""
    calendars = {id(t): policy.pinned_calendar(t.calendar_id, t.calendar_hash) for t in timelines}
    section: dict[str, Any] = {}
    for metric, measure, counted in measured_metrics(policy):
        rows = [measure(t, calendars[id(t)], as_of, policy) for t in timelines]
        section[metric] = _tallied(rows, timelines, as_of, counted)
    return section


Measure = Callable[[CaseTimeline, Calendar, datetime, Policy], dict[str, Any]]


def measured_metrics(policy: Policy) -> list[tuple[str, Measure, tuple[str, ...]]]:
    """The metrics the policy has a target for, in report order: each with the function
    that gives a case's row and the statuses its counts hold."""
    metrics: list[tuple[str, Measure, tuple[str, ...]]] = [
        ("next_response", next_response, NEXT_COUNTS),
        ("resolution", resolution, RESOLUTION_COUNTS),
    ]
    return [metric for metric in metrics if policy.measures(metric[0])]


def next_response(
    timeline: CaseTimeline, calendar: Calendar, as_of: datetime, policy: Policy
) -> dict[str, Any]:
    """The case's cycles: each customer message waiting for a reply is one promise."""
    cycles = [
        measured
        for cycle in cycles_until(timeline, as_of)
        if (measured := _cycle(timeline, calendar, policy, cycle, as_of)) is not None
    ]
    statuses = [cycle["status"] for cycle in cycles]
    status = next((s for s in ("breached", "met", "pending", "void") if s in statuses), "none")
    return {"case_id": timeline.case_id, "cycles": cycles, "status": status}


def _cycle(
    timeline: CaseTimeline, calendar: Calendar, policy: Policy, cycle: Cycle, as_of: datetime
) -> dict[str, Any] | None:
    started, ended, ended_by = cycle.started, cycle.ended, cycle.ended_by
    severity = timeline.severity_at(ended or as_of)
    target = policy.metric_target(severity, "next_response")
    if target is None:
        return None  # not measured at that severity: left out of the cycles and counts
    due = calendar.due(started, timedelta(minutes=target))
    if ended is None:
        status = "breached" if due is not None and as_of > due else "pending"
    elif ended_by == "response":
        status = "met" if due is None or ended <= due else "breached"
    else:
        status = "void" if due is None or ended <= due else "breached"
    return {
        "started_at": format_instant(started),
        "due_at": format_instant(due),
        "ended_at": format_instant(ended),
        "status": status,
        "ended_by": ended_by,
        "severity": severity,
        "target_minutes": target,
    }


def resolution(
    timeline: CaseTimeline, calendar: Calendar, as_of: datetime, policy: Policy
) -> dict[str, Any]:
    """The resolution clock: from the opening to the final resolution or closure, resumed by
    a reopening, paused while the desk awaits the customer."""
    clock = resolution_clock(timeline, as_of)
    running, pauses, stopped, paused_now = (
        clock.running,
        clock.pauses,
        clock.stopped,
        clock.paused_now,
    )
    open_time = sum((calendar.business_time(a, b) for a, b in running), timedelta(0))
    paused = sum((calendar.business_time(a, b) for a, b in pauses), timedelta(0))
    counted = open_time - paused
    severity = timeline.severity_at(stopped[0] if stopped else as_of)
    minutes = policy.metric_target(severity, "resolution")
    row: dict[str, Any] = {"case_id": timeline.case_id}
    if minutes is None:
        status, due = "none", None
    else:
        target = timedelta(minutes=minutes)
        due = (
            timeline.opened_at  # a target of 0 is reached at the opening
            if target <= timedelta(0)
            else calendar.reached_within(clock.counted(), target)
        )
        if due is None and stopped is None and not paused_now:
            due = calendar.due(as_of, target - counted)  # if no pause follows
        if counted > target:
            status = "breached"
        elif stopped is not None:
            status = "met" if stopped[1] == "resolution" else "void"
        else:
            status = "paused" if paused_now else "pending"
    row.update(
        {
            "due_at": format_instant(due),
            "resolved_at": format_instant(stopped[0]) if stopped else None,
            "business_minutes": _minutes(counted),
            "paused_minutes": _minutes(paused),
            "status": status,
            "ended_by": stopped[1] if stopped else None,
            "severity": severity,
            "target_minutes": minutes,
        }
    )
    return row


def _minutes(duration: timedelta) -> float:
    return round(duration / timedelta(minutes=1), 2)


def _tallied(
    rows: list[dict[str, Any]],
    timelines: list[CaseTimeline],
    as_of: datetime,
    counted: tuple[str, ...],
) -> dict[str, Any]:
    """Rows plus counts by the case's current severity at T."""
    tally = MetricTally(counted)
    for row, timeline in zip(rows, timelines, strict=True):
        tally.add(row, timeline, as_of)
    return {"cases": rows, "by_severity": tally.by_severity(), "total": tally.total()}


class MetricTally:
    """One metric's counts, row by row (so a streamed report need not hold its rows): by
    the case's current severity at T, cycles for next_response and cases for resolution;
    status `none` is not counted."""

    def __init__(self, counted: tuple[str, ...]) -> None:
        self._counted = counted
        self._by_severity = {str(level): dict.fromkeys(counted, 0) for level in SEVERITY_LEVELS}
        self._total = dict.fromkeys(counted, 0)

    def add(self, row: dict[str, Any], timeline: CaseTimeline, as_of: datetime) -> None:
        counts = self._by_severity[str(timeline.severity_at(as_of))]
        statuses = [c["status"] for c in row["cycles"]] if "cycles" in row else [row["status"]]
        for status in statuses:
            if status in self._counted:
                counts[status] += 1
                self._total[status] += 1

    def by_severity(self) -> dict[str, Any]:
        return {label: _with_compliance(c) for label, c in self._by_severity.items()}

    def total(self) -> dict[str, Any]:
        return _with_compliance(self._total)


def _with_compliance(counts: dict[str, int]) -> dict[str, Any]:
    return {**counts, "compliance": compliance(counts["met"], counts["breached"])}
