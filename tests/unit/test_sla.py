"""First-response SLA: met / breached / void / pending at the boundaries, counts, as-of T."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.case import Case
from projections.sla import SlaView

from .support import (
    Desk,
    agreed,
    closed,
    instant,
    opened,
    proposed,
    report,
    responded,
)

SECOND = 1 / 60
DUE = 6 * 60  # severity 2: 6 h, in minutes


def status(history: list[dict], as_of_minutes: float) -> str:
    (case,) = report(history, instant(as_of_minutes))["sla"]["cases"]
    return case["status"]


def test_a_response_exactly_at_due_at_is_met() -> None:
    assert status([opened(), responded(DUE)], DUE) == "met"
    assert status([opened(), responded(DUE)], DUE + 600) == "met"


def test_a_response_one_second_after_due_at_is_breached() -> None:
    assert status([opened(), responded(DUE + SECOND)], DUE + 600) == "breached"


def test_no_response_at_exactly_due_at_is_pending() -> None:
    assert status([opened()], DUE) == "pending"


def test_no_response_one_second_after_due_at_is_breached() -> None:
    assert status([opened()], DUE + SECOND) == "breached"


def test_a_response_after_t_does_not_count_as_of_t() -> None:
    history = [opened(), responded(DUE - 1)]
    assert status(history, DUE - 2) == "pending"
    assert status(history, DUE - 1) == "met"
    (case,) = report(history, instant(DUE - 2))["sla"]["cases"]
    assert case["first_response_at"] is None


def test_closed_at_due_at_with_no_response_is_void() -> None:
    assert status([opened(), closed(DUE)], DUE + 600) == "void"


def test_closed_before_due_with_no_response_is_void() -> None:
    assert status([opened(), closed(10)], DUE + 600) == "void"


def test_closed_after_due_with_no_response_is_breached() -> None:
    assert status([opened(), closed(DUE + SECOND)], DUE + 600) == "breached"


def test_a_close_after_t_does_not_void_as_of_t() -> None:
    assert status([opened(), closed(10)], 5) == "pending"


def test_a_response_then_a_close_is_judged_by_the_response() -> None:
    assert status([opened(), responded(5), closed(6)], DUE + 600) == "met"


def test_later_responses_do_not_move_the_first_response() -> None:
    history = [opened(), responded(DUE + 5), responded(DUE + 10)]
    (case,) = report(history, instant(DUE + 20))["sla"]["cases"]
    assert case["first_response_at"] == "2026-09-01T18:05:00Z" and case["status"] == "breached"


def test_a_severity_change_does_not_move_due_at_but_shows_as_current_severity() -> None:
    history = [opened(severity=4), responded(10), proposed(20, 1), agreed(30)]
    (before,) = report(history, instant(25))["sla"]["cases"]
    (after,) = report(history, instant(31))["sla"]["cases"]
    assert (before["current_severity"], after["current_severity"]) == (4, 1)
    assert before["due_at"] == after["due_at"] == "2026-09-02T12:00:00Z"
    assert after["sla_severity"] == 4


def test_a_capped_opening_is_counted_under_its_effective_severity() -> None:
    sla = report([opened(severity=1, technologies=["SqlServer"]), responded(10)])["sla"]
    (case,) = sla["cases"]
    assert (case["requested_severity"], case["sla_severity"]) == (1, 2)
    assert sla["by_severity"]["1"]["opened"] == 0 and sla["by_severity"]["2"]["opened"] == 1


def test_compliance_is_null_when_nothing_was_met_or_breached() -> None:
    history = [opened(case_id="C-1"), closed(5, case_id="C-1"), opened(6, case_id="C-2")]
    sla = report(history, instant(7))["sla"]
    assert sla["total"] == {
        "opened": 2,
        "met": 0,
        "breached": 0,
        "pending": 1,
        "void": 1,
        "compliance": None,
    }
    assert all(counts["compliance"] is None for counts in sla["by_severity"].values())


def test_compliance_is_met_over_met_plus_breached() -> None:
    history = [
        opened(0, case_id="A", severity=1),
        responded(10, case_id="A"),
        opened(0, case_id="B", severity=1),
        responded(200, case_id="B"),
        opened(0, case_id="C", severity=1),
        responded(60, case_id="C"),
        opened(0, case_id="D", severity=1),
        closed(1, case_id="D"),
        opened(0, case_id="E", severity=3),
    ]
    sla = report(history, instant(300))["sla"]
    two_thirds = pytest.approx(2 / 3)
    counts = {
        "opened": 4,
        "met": 2,
        "breached": 1,
        "pending": 0,
        "void": 1,
        "compliance": two_thirds,
    }
    assert sla["by_severity"]["1"] == counts
    assert sla["by_severity"]["3"]["pending"] == 1
    assert sla["total"]["opened"] == 5 and sla["total"]["compliance"] == pytest.approx(2 / 3)


def test_cases_opened_after_t_are_not_reported() -> None:
    history = [opened(0, case_id="A"), opened(100, case_id="B")]
    cases = report(history, instant(50))["sla"]["cases"]
    assert [c["case_id"] for c in cases] == ["A"]


def test_cases_are_listed_by_opening_time() -> None:
    history = [opened(20, case_id="A"), opened(10, case_id="B"), opened(10, case_id="AA")]
    assert [c["case_id"] for c in report(history)["sla"]["cases"]] == ["AA", "B", "A"]


def test_report_instants_are_utc_z_to_the_second() -> None:
    document = opened(severity=1)
    document["at"] = "2026-09-01T14:00:00.750+02:00"
    (case,) = report([document])["sla"]["cases"]
    assert (case["opened_at"], case["due_at"]) == ("2026-09-01T12:00:00Z", "2026-09-01T14:00:00Z")


def test_a_republished_event_changes_nothing() -> None:
    desk = Desk()
    desk.take_all(opened(), responded(DUE + 1))
    events: list[Case.Event] = desk.case().collect_events()
    view = SlaView()
    for event in events + events:
        view.apply(event)
    row = view.cases["C-1"]
    assert row.first_response_at == instant(DUE + 1) and row.version == 2
    assert row.status(instant(DUE + 2)) == "breached"
    assert row.due_at - row.opened_at == timedelta(hours=6)
