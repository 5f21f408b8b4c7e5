"""The metrics against a brute-force oracle: random histories of one case on a random
business calendar, and a walk over every minute from the opening to T that asks, minute by
minute, whether the desk's hours are open, the resolution clock runs, the customer is
waited on, a reply is owed. The oracle reads the accepted events only (the decisions have
their own tests) and shares no code with `projections.metrics`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendars import Calendar
from domain.desk import Accepted, IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.policy import Policy, parse_policy

from .support import POLICY, line, message, opened

MINUTE = timedelta(minutes=1)
SEED = json.loads(POLICY.model_dump_json())
KINDS = [
    ("case.responded", "engineer"),
    ("case.customer_replied", "customer"),
    ("case.awaiting_customer", "engineer"),
    ("case.resolved", "engineer"),
    ("case.reopened", "customer"),
    ("case.closed", "engineer"),
]


@st.composite
def weeks(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    week: dict[str, list[list[str]]] = {}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        if draw(st.booleans()):
            start = draw(st.integers(0, 22)) * 60 + draw(st.sampled_from([0, 30]))
            end = draw(st.integers(start // 60 + 1, 24)) * 60
            week[day] = [[f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]]
    return week or {"mon": [["09:00", "17:00"]]}


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    zone = draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]))
    calendar = {"timezone": zone, "weekly": draw(weeks())}
    targets = {
        str(level): {
            "first_response": 60,
            "next_response": draw(st.integers(0, 600)),
            "resolution": draw(st.integers(0, 3000)),
        }
        for level in (1, 2, 3, 4)
    }
    document = {
        **SEED,
        "calendars": {"desk": calendar},
        "calendar_rules": [{"calendar": "desk"}],
        "targets": targets,
    }
    return parse_policy(json.dumps(document))


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    start = draw(st.sampled_from([0, 60 * 24 * 25, 60 * 24 * 54]))  # near Berlin's DST change
    at = start
    out = [opened(at)]
    for _ in range(draw(st.integers(0, 12))):
        at += draw(st.integers(0, 60 * 30))
        kind, role = draw(st.sampled_from(KINDS))
        actor = ("acme", "customer") if role == "customer" else ("eng-7", "engineer")
        out.append(message(kind, at, actor=actor))
    return out


def accepted(policy: Policy, history: list[dict[str, Any]]) -> list[tuple[str, datetime]]:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    events = []
    for document in history:
        outcome = desk.take(parse_message(line(document)))
        if isinstance(outcome, Accepted):
            events += [(type(e).__name__, e.timestamp) for e in outcome.case.collect_events()]
    return events


def is_open(calendar: Calendar, instant: datetime) -> bool:
    local = instant.astimezone(calendar.zone)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in calendar.weekly[local.weekday()])


def oracle(
    policy: Policy, events: list[tuple[str, datetime]], as_of: datetime
) -> tuple[dict[str, Any], list[tuple[datetime, datetime | None, str]]]:
    """(resolution figures, [(cycle start, cycle end, ended by)]) by walking the minutes."""
    calendar = policy.calendar("desk")
    target = policy.metric_target(2, "resolution")
    assert target is not None
    running, waiting, answered, resolved = True, False, False, False
    counted = paused = 0
    reached: datetime | None = None
    cycles: list[tuple[datetime, datetime | None, str]] = []
    cycle: datetime | None = None
    stopped: tuple[datetime, str] | None = None
    by_minute: dict[datetime, list[str]] = {}
    for kind, at in events[1:]:
        by_minute.setdefault(at, []).append(kind)
    instant = events[0][1]
    while True:  # what happened at T counts (events dated at or before T); minutes before T
        for kind in by_minute.get(instant, []):
            if kind == "FirstResponse":
                answered = True
            elif kind == "Responded" and cycle is not None:
                cycles.append((cycle, instant, "response"))
                cycle = None
            elif kind == "CustomerReplied":
                waiting = False
                if answered and not resolved and cycle is None:
                    cycle = instant
            elif kind == "AwaitingCustomer":
                waiting = True
            elif kind in ("Resolved", "Closed"):
                if cycle is not None:
                    cycles.append(
                        (cycle, instant, "resolution" if kind == "Resolved" else "closure")
                    )
                    cycle = None
                if running:
                    stopped = (instant, "resolution" if kind == "Resolved" else "closure")
                running, waiting = False, False
                resolved = resolved or kind == "Resolved"
            elif kind == "Reopened":
                running, resolved, stopped = True, False, None
                if answered and cycle is None:
                    cycle = instant
        if instant >= as_of:
            break
        if running and is_open(calendar, instant):
            if waiting:
                paused += 1
            else:
                counted += 1
                if counted == target and reached is None:
                    reached = instant + MINUTE
        instant += MINUTE
    if target == 0:
        reached = events[0][1]
    if cycle is not None:
        cycles.append((cycle, None, ""))
    figures = {
        "business_minutes": float(counted),
        "paused_minutes": float(paused),
        "resolved_at": stopped[0] if stopped else None,
        "reached": reached,
        "breached": counted > target,
    }
    return figures, cycles


def oracle_due(calendar: Calendar, start: datetime, minutes: int) -> datetime | None:
    if minutes == 0:
        return start
    instant, seen = start, 0
    while instant < start + timedelta(days=120):
        if is_open(calendar, instant):
            seen += 1
            if seen == minutes:
                return instant + MINUTE
        instant += MINUTE
    return None


def text(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@settings(max_examples=200, deadline=None)
@given(policies(), histories(), st.integers(0, 60 * 24 * 12))
def test_the_metrics_are_what_a_minute_walk_finds(
    policy: Policy, history: list[dict[str, Any]], after: int
) -> None:
    from analysis.replay import replay_history

    events = accepted(policy, history)
    assume_severity_2 = all(kind != "SeverityAgreed" for kind, _ in events)
    assert assume_severity_2  # the histories propose no change: every target is severity 2's
    as_of = events[-1][1] + timedelta(minutes=after)
    report = replay_history([line(d) for d in history], policy).report(as_of)["metrics"]
    figures, cycles = oracle(policy, events, as_of)
    (clock,) = report["resolution"]["cases"]
    assert clock["business_minutes"] == figures["business_minutes"]
    assert clock["paused_minutes"] == figures["paused_minutes"]
    assert clock["resolved_at"] == text(figures["resolved_at"])
    assert (clock["status"] == "breached") == figures["breached"]
    if figures["reached"] is not None:
        assert clock["due_at"] == text(figures["reached"])
    calendar = policy.calendar("desk")
    target = policy.metric_target(2, "next_response")
    assert target is not None
    (replies,) = report["next_response"]["cases"]
    shown = [
        (c["started_at"], c["ended_at"], c["ended_by"] or "", c["due_at"])
        for c in replies["cycles"]
    ]
    want = [
        (text(start), text(end), ended_by, text(oracle_due(calendar, start, target)))
        for start, end, ended_by in cycles
    ]
    assert shown == want
    breaches = breach_warnings(policy, history, as_of)
    due_cycles = {
        (text(start), text(due))
        for start, end, _ in cycles
        if (due := oracle_due(calendar, start, target)) is not None
        and as_of > due
        and (end is None or end > due)
    }
    assert {(item, at) for metric, item, at in breaches if metric == "next_response"} == due_cycles
    stopped_first = figures["resolved_at"] is not None and (
        figures["reached"] is None or figures["resolved_at"] <= figures["reached"]
    )
    resolution_breach = (
        figures["reached"] is not None and as_of > figures["reached"] and not stopped_first
    )
    got = [at for metric, _, at in breaches if metric == "resolution"]
    assert got == ([text(figures["reached"])] if resolution_breach else [])


def breach_warnings(
    policy: Policy, history: list[dict[str, Any]], as_of: datetime
) -> list[tuple[str, str | None, str | None]]:
    """The 100 % warnings due at T: (metric, cycle start, date), from the warnings rule."""
    from projections.metric_warnings import metric_warnings
    from projections.metrics import MetricsView

    view = MetricsView(policy)
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    for document in history:
        outcome = desk.take(parse_message(line(document)))
        if isinstance(outcome, Accepted):
            for event in outcome.case.collect_events():
                view.apply(event)
    (timeline,) = view.cases.values()
    return [
        (w.metric, text(datetime.fromisoformat(w.item)) if w.item else None, text(w.at))
        for w in metric_warnings(timeline, policy.calendar("desk"), policy, as_of)
        if w.level == 3
    ]
