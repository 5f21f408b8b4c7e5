"""SLA v2 warnings (pure): each next_response cycle and each case's resolution clock warns at
50 %, 75 % and 100 % of the target in force, in business time, dated at the threshold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.policy import Policy
from projections.metric_warnings import metric_warnings
from projections.metrics import MetricsView

from .support import T0, agreed, message, opened, proposed, reopened, replay, resolved, responded
from .test_metrics import V2, replied, waiting


def minutes(value: float) -> datetime:
    return T0 + timedelta(minutes=value)


def warned(
    *messages: dict[str, Any], now: float, policy: Policy = V2
) -> list[tuple[str, int, float]]:
    view = MetricsView(policy)
    result = replay(messages, policy=policy)
    assert result.report()["rejected"] == []
    from domain.desk import Accepted, IntakeDesk
    from domain.memory import InMemoryCases, InMemoryLedger
    from domain.parsing import parse_message

    from .support import line

    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    for document in messages:
        outcome = desk.take(parse_message(line(document)))
        assert isinstance(outcome, Accepted)
        for event in outcome.case.collect_events():
            view.apply(event)
    (timeline,) = view.cases.values()
    calendar = policy.pinned_calendar(timeline.calendar_id, timeline.calendar_hash)
    return [
        (w.metric, w.level, (w.at - T0) / timedelta(minutes=1))
        for w in metric_warnings(timeline, calendar, policy, minutes(now))
    ]


def test_a_cycle_warns_at_each_share_of_its_target_and_breaches_past_it() -> None:
    history = (opened(0, severity=3), responded(1), replied(10))  # severity 3: 60 minutes
    assert [w for w in warned(*history, now=39.9) if w[0] == "next_response"] == []
    assert [w for w in warned(*history, now=70) if w[0] == "next_response"] == [
        ("next_response", 1, 40.0),
        ("next_response", 2, 55.0),
    ]
    assert [w for w in warned(*history, now=70.5) if w[0] == "next_response"][-1] == (
        "next_response",
        3,
        70.0,
    )


def test_an_answered_cycle_warns_no_more() -> None:
    history = (opened(0, severity=3), responded(1), replied(10), responded(45))
    assert [w for w in warned(*history, now=500) if w[0] == "next_response"] == [
        ("next_response", 1, 40.0)
    ]


def test_paused_time_does_not_advance_the_resolution_clock() -> None:
    history = (opened(0), responded(5), waiting(30), replied(90))  # severity 2: 240 minutes
    got = [w for w in warned(*history, now=400) if w[0] == "resolution"]
    assert got == [("resolution", 1, 180.0), ("resolution", 2, 240.0), ("resolution", 3, 300.0)]


def test_a_severity_change_that_moves_a_threshold_into_the_past_dates_it_at_the_change() -> None:
    history = (
        opened(0),
        responded(5),
        proposed(6, severity=1),
        waiting(30),
        replied(90),
        agreed(150),
    )
    got = [w for w in warned(*history, now=400) if w[0] == "resolution"]
    # counted 90 at the change; severity 1's 120 minutes: 60 and 90 passed, 120 at 180
    assert got == [("resolution", 1, 150.0), ("resolution", 2, 150.0), ("resolution", 3, 180.0)]


def test_a_resolved_case_warns_no_more_and_a_reopened_one_continues_its_count() -> None:
    history = (opened(0), responded(5), resolved(100), reopened(500))
    got = [w for w in warned(*history, now=700) if w[0] == "resolution"]
    assert got == [("resolution", 1, 520.0), ("resolution", 2, 580.0), ("resolution", 3, 640.0)]
    stopped = (opened(0), responded(5), resolved(100))
    assert [w for w in warned(*stopped, now=900) if w[0] == "resolution"] == []


def test_the_warnings_agree_with_the_reports_due_instants() -> None:
    history = (
        opened(0),
        responded(5),
        waiting(30),
        replied(90),
        message("case.customer_replied", 95),
    )
    report = replay(history, policy=V2).report(minutes(400))["metrics"]["resolution"]["cases"][0]
    breach = [w for w in warned(*history, now=400) if w[0] == "resolution" and w[1] == 3]
    assert report["due_at"] is not None and breach
    assert (datetime.fromisoformat(report["due_at"].replace("Z", "+00:00")) - T0) / timedelta(
        minutes=1
    ) == breach[0][2]


def checks_after(history: tuple[dict[str, Any], ...], start: float) -> int:
    """Follow `next_check` from `start` (after the last message): each is the first instant
    a new warning appears; how many there were."""
    from domain.desk import Accepted, IntakeDesk
    from domain.memory import InMemoryCases, InMemoryLedger
    from domain.parsing import parse_message
    from projections.metric_warnings import next_check

    from .support import line

    view = MetricsView(V2)
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), V2)
    for document in history:
        outcome = desk.take(parse_message(line(document)))
        assert isinstance(outcome, Accepted)
        for event in outcome.case.collect_events():
            view.apply(event)
    (timeline,) = view.cases.values()
    calendar = V2.pinned_calendar(timeline.calendar_id, timeline.calendar_hash)
    now, seen = minutes(start), 0
    while (at := next_check(timeline, calendar, V2, now)) is not None:
        before = len(metric_warnings(timeline, calendar, V2, at - timedelta(microseconds=1)))
        after = len(metric_warnings(timeline, calendar, V2, at))
        assert after > before == len(metric_warnings(timeline, calendar, V2, now)), at
        now, seen = at, seen + 1
    return seen


def test_the_next_check_is_the_first_instant_a_new_warning_appears() -> None:
    # a cycle running from 58 (three levels) and the resolution clock (three)
    assert checks_after((opened(0), responded(5), replied(58)), 61) == 6
    # the cycle's levels all passed by 61: the resolution clock's three remain
    assert checks_after((opened(0), responded(5), replied(10), waiting(20), replied(60)), 61) == 3
    # waited on: nothing moves until a message comes
    assert checks_after((opened(0), responded(5), waiting(20)), 61) == 0
