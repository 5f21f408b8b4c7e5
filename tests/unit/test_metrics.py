"""SLA v2's `metrics` section: next_response cycles and the resolution clock with pauses,
each rule of the contract's "Precise rules" as an example (24/7 here, so the arithmetic is
plain; a business-hours case at the end)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from domain.policy import Policy, parse_policy

from .support import (
    POLICY,
    T0,
    agreed,
    closed,
    declined,
    message,
    opened,
    proposed,
    reopened,
    replay,
    resolved,
    responded,
    stamp,
)

TARGETS = {
    "1": {"first_response": 30, "next_response": 15, "resolution": 120},
    "2": {"first_response": 60, "next_response": 30, "resolution": 240},
    "3": {"first_response": 120, "next_response": 60},
    "4": {"first_response": 240},
}
SEED = json.loads(POLICY.model_dump_json())
V2 = parse_policy(json.dumps({**SEED, "targets": TARGETS}))


def replied(minutes: float, **fields: Any) -> dict[str, Any]:
    return message("case.customer_replied", minutes, **fields)


def waiting(minutes: float, **fields: Any) -> dict[str, Any]:
    return message("case.awaiting_customer", minutes, actor=("eng-7", "engineer"), **fields)


def metrics(
    *messages: dict[str, Any], as_of: float | None = None, policy: Policy = V2
) -> dict[str, Any]:
    instant = None if as_of is None else T0 + timedelta(minutes=as_of)
    report = replay(messages, policy=policy).report(instant)
    assert report["rejected"] == [], report["rejected"]
    return report["metrics"]


def cycles(*messages: dict[str, Any], as_of: float | None = None) -> list[tuple[str, ...]]:
    (case,) = metrics(*messages, as_of=as_of)["next_response"]["cases"]
    return [(c["started_at"], c["due_at"], c["ended_at"], c["status"]) for c in case["cycles"]]


def clock(*messages: dict[str, Any], as_of: float | None = None) -> dict[str, Any]:
    (case,) = metrics(*messages, as_of=as_of)["resolution"]["cases"]
    return case


def test_a_policy_without_targets_has_no_metrics_section() -> None:
    assert "metrics" not in replay([opened(0), responded(5)]).report()
    no_resolution = {
        k: {m: v for m, v in t.items() if m != "resolution"} for k, t in TARGETS.items()
    }
    policy = parse_policy(json.dumps({**SEED, "targets": no_resolution}))
    assert list(metrics(opened(0), policy=policy)) == ["next_response"]


def test_each_customer_message_after_the_first_response_waits_for_a_reply() -> None:
    got = cycles(
        opened(0),
        replied(5),
        responded(10),
        replied(20),
        responded(40),
        replied(60),
        responded(100),
    )
    assert got == [
        (stamp(20), stamp(50), stamp(40), "met"),
        (stamp(60), stamp(90), stamp(100), "breached"),
    ]  # the reply at 5 came before the first response: first_response covers it


def test_messages_while_a_cycle_runs_start_no_other_and_only_a_response_ends_it() -> None:
    got = cycles(opened(0), responded(1), replied(10), replied(15), waiting(20), responded(30))
    assert got == [(stamp(10), stamp(40), stamp(30), "met")]


def test_a_resolution_or_closure_ends_a_running_cycle_void_or_breached() -> None:
    assert cycles(opened(0), responded(1), replied(10), resolved(20)) == [
        (stamp(10), stamp(40), stamp(20), "void")
    ]
    assert cycles(opened(0), responded(1), replied(10), closed(50)) == [
        (stamp(10), stamp(40), stamp(50), "breached")
    ]


def test_a_running_cycle_is_pending_until_its_due_instant_then_breached() -> None:
    messages = (opened(0), responded(1), replied(10))
    assert cycles(*messages, as_of=40) == [(stamp(10), stamp(40), None, "pending")]
    assert cycles(*messages, as_of=40.5) == [(stamp(10), stamp(40), None, "breached")]


def test_on_a_resolved_case_a_reply_starts_nothing_and_a_reopening_a_cycle() -> None:
    got = cycles(opened(0), responded(1), resolved(2), replied(3), reopened(10), responded(20))
    assert got == [(stamp(10), stamp(40), stamp(20), "met")]


def test_a_cycle_takes_the_target_of_the_severity_in_force_when_it_ends() -> None:
    messages = (opened(0), responded(1), proposed(2, severity=1), replied(10), agreed(11))
    # severity 1 from 11: 15 minutes from the start, due at 25
    assert cycles(*messages, responded(30)) == [(stamp(10), stamp(25), stamp(30), "breached")]
    got = metrics(*messages, proposed(12, severity=4), agreed(13), responded(30))
    assert got["next_response"]["cases"][0] == {"case_id": "C-1", "cycles": [], "status": "none"}


def test_cycles_are_counted_by_the_cases_current_severity() -> None:
    report = metrics(
        opened(0), responded(1), replied(10), responded(20), replied(30), responded(90)
    )
    section = report["next_response"]
    assert section["by_severity"]["2"] == {
        "met": 1,
        "breached": 1,
        "pending": 0,
        "void": 0,
        "compliance": 0.5,
    }
    assert section["total"]["met"] == 1 and set(section["by_severity"]) == {"1", "2", "3", "4"}
    assert section["cases"][0]["status"] == "breached"


def test_the_resolution_clock_does_not_count_the_wait_on_the_customer() -> None:
    case = clock(opened(0), responded(5), waiting(30), replied(90), resolved(200))
    assert (case["business_minutes"], case["paused_minutes"]) == (140, 60)
    assert (case["status"], case["resolved_at"], case["due_at"]) == ("met", stamp(200), None)


def test_a_customer_decision_or_the_resolution_ends_a_pause_an_engineer_message_does_not() -> None:
    base = (opened(0), responded(5), proposed(6, severity=3), waiting(10))
    assert clock(*base, responded(20), declined(40), resolved(100))["paused_minutes"] == 30
    assert clock(*base, resolved(100))["paused_minutes"] == 90


def test_paused_at_t_has_no_due_instant_running_at_t_projects_one() -> None:
    case = clock(opened(0), responded(5), waiting(30), as_of=60)
    assert (case["status"], case["due_at"], case["business_minutes"]) == ("paused", None, 30)
    case = clock(opened(0), responded(5), as_of=60)
    assert (case["status"], case["due_at"]) == ("pending", stamp(240))


def test_a_clock_past_its_target_is_breached_with_the_instant_it_was_reached() -> None:
    case = clock(opened(0), responded(5), waiting(30), replied(90), as_of=400)
    assert case["status"] == "breached" and case["due_at"] == stamp(300)  # 240 counted at 300
    assert case["business_minutes"] == 340


def test_a_reopening_resumes_the_clock_from_where_it_stopped() -> None:
    case = clock(opened(0), responded(5), resolved(100), reopened(500), resolved(600))
    assert (case["business_minutes"], case["status"], case["resolved_at"]) == (
        200,
        "met",
        stamp(600),
    )
    running = clock(opened(0), responded(5), resolved(100), reopened(500), as_of=520)
    assert (running["resolved_at"], running["due_at"]) == (None, stamp(640))


@pytest.mark.parametrize(
    ("ending", "status"),
    [((closed(50),), "void"), ((resolved(40), closed(50)), "met")],
)
def test_closing_an_unresolved_case_voids_it_and_a_resolved_one_stays_met(ending, status) -> None:
    case = clock(opened(0), responded(5), *ending)
    assert case["status"] == status
    assert case["resolved_at"] == (stamp(50) if status == "void" else stamp(40))


def test_a_severity_without_a_resolution_target_is_none_and_not_counted() -> None:
    report = metrics(opened(0, severity=3), responded(5))
    assert report["resolution"]["cases"][0]["status"] == "none"
    assert report["resolution"]["total"] == {
        "met": 0,
        "breached": 0,
        "pending": 0,
        "paused": 0,
        "void": 0,
        "compliance": None,
    }


def test_as_of_t_only_what_happened_by_then_counts() -> None:
    messages = (opened(0), responded(5), replied(10), responded(20), resolved(100))
    assert cycles(*messages, as_of=15) == [(stamp(10), stamp(40), None, "pending")]
    assert clock(*messages, as_of=50)["status"] == "pending"
    assert clock(*messages)["status"] == "met"


def test_rows_follow_the_sla_sections_cases() -> None:
    other = {"case_id": "C-2"}
    messages = [opened(0), opened(1) | other | {"message_id": "m-o2"}]
    report = replay(messages, policy=V2).report()
    order = [c["case_id"] for c in report["sla"]["cases"]]
    for metric in ("next_response", "resolution"):
        assert [c["case_id"] for c in report["metrics"][metric]["cases"]] == order


def test_a_business_hours_cycle_answered_exactly_at_its_due_instant_is_met() -> None:
    from casebook.policies import load_policy
    from tests.unit.test_policy_calendars import EXAMPLE, FRIDAY_EVENING

    def at(document: dict[str, Any], instant: str) -> dict[str, Any]:
        return document | {"at": instant}

    history = [
        at(opened(0), FRIDAY_EVENING),  # Friday 20:00 in Berlin, closed
        at(responded(1), "2026-11-30T08:00:00Z"),  # Monday 09:00
        at(replied(2), "2026-11-30T15:00:00Z"),  # Monday 16:00: two hours left that day
        at(responded(3), "2026-12-01T09:00:00Z"),  # Tuesday 10:00: two more, 240 in all
    ]
    report = replay(history, policy=load_policy(EXAMPLE)).report()
    (case,) = report["metrics"]["next_response"]["cases"]
    (cycle,) = case["cycles"]
    assert (cycle["due_at"], cycle["status"]) == ("2026-12-01T09:00:00Z", "met")
    (resolution,) = report["metrics"]["resolution"]["cases"]
    # open Friday 20:00 (closed) to Tuesday 10:00: Monday 10 h + Tuesday 2 h of business time
    assert resolution["business_minutes"] == 720 and resolution["status"] == "pending"


def test_the_replay_command_prints_the_metrics_under_a_policy_with_targets(
    tmp_path, capsys
) -> None:
    from casebook.cli import main
    from casebook.policies import load_policy
    from tests.unit.test_policy_calendars import EXAMPLE

    from .support import line

    history = tmp_path / "history.jsonl"
    messages = [opened(0), responded(5), replied(10), responded(20)]
    history.write_bytes(b"\n".join(line(m) for m in messages) + b"\n")
    assert main(["replay", "--input", str(history), "--policy", str(EXAMPLE), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == replay(messages, policy=load_policy(EXAMPLE)).report()
    assert set(printed["metrics"]) == {"next_response", "resolution"}
    assert main(["replay", "--input", str(history), "--policy", str(EXAMPLE)]) == 0
    assert "compliance" in capsys.readouterr().out.lower()
