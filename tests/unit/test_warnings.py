"""Breach warnings at 50 %, 75 % and past due: at the right instant, only while unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from projections.sla import SlaCase
from projections.warnings import due_warnings, next_check_at

OPENED = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DUE = OPENED + timedelta(hours=6)


def row(**changes) -> SlaCase:
    return SlaCase("C-1", "acme", 2, 2, OPENED, DUE, **changes)


def kinds(warnings) -> list[str]:
    return [w.kind for w in warnings]


def test_nothing_is_due_before_half_time():
    assert due_warnings(row(), OPENED + timedelta(hours=2, minutes=59)) == []


def test_half_time_warning_is_due_exactly_at_half_time_and_dated_there():
    warnings = due_warnings(row(), OPENED + timedelta(hours=3))
    assert kinds(warnings) == ["half_time_passed"]
    assert warnings[0].at == OPENED + timedelta(hours=3)


def test_breach_is_due_only_after_the_due_instant():
    assert kinds(due_warnings(row(), DUE)) == ["half_time_passed", "three_quarter_time_passed"]
    assert kinds(due_warnings(row(), DUE + timedelta(seconds=1)))[-1] == "breached"


def test_levels_already_warned_are_not_repeated():
    now = DUE + timedelta(hours=1)
    assert kinds(due_warnings(row(), now, warned_level=2)) == ["breached"]
    assert due_warnings(row(), now, warned_level=3) == []


def test_a_response_stops_the_warnings_from_its_instant_on():
    responded = row(first_response_at=OPENED + timedelta(hours=4))
    assert kinds(due_warnings(responded, DUE + timedelta(days=1))) == ["half_time_passed"]


def test_a_response_exactly_at_due_is_not_a_breach():
    assert "breached" not in kinds(
        due_warnings(row(first_response_at=DUE), DUE + timedelta(days=1))
    )


def test_a_case_closed_unanswered_before_half_time_never_warns():
    closed = row(closed_at=OPENED + timedelta(hours=1))
    assert due_warnings(closed, DUE + timedelta(days=1)) == []


def test_the_next_check_is_the_first_threshold_not_yet_warned():
    assert next_check_at(row()) == OPENED + timedelta(hours=3)
    assert next_check_at(row(), warned_level=1) == OPENED + timedelta(hours=4, minutes=30)
    assert next_check_at(row(), warned_level=2) == DUE
    assert next_check_at(row(), warned_level=3) is None


def test_no_check_is_needed_once_answered_or_closed_before_the_next_threshold():
    answered = row(first_response_at=OPENED + timedelta(hours=4))
    assert next_check_at(answered) == OPENED + timedelta(hours=3)  # late for half time
    assert next_check_at(answered, warned_level=1) is None
    assert next_check_at(row(closed_at=OPENED + timedelta(hours=1))) is None


def test_nothing_is_ever_due_before_the_next_check():
    # The scan relies on it: at every minute of two days, for answered, closed and silent
    # cases, warnings above `warned` are due only from `next_check_at` on.
    cases = [
        row(),
        row(first_response_at=OPENED + timedelta(hours=4)),
        row(first_response_at=DUE),
        row(closed_at=OPENED + timedelta(hours=5)),
        row(first_response_at=OPENED + timedelta(hours=1)),
    ]
    for case in cases:
        for warned in range(4):
            check = next_check_at(case, warned)
            for minute in range(0, 48 * 60, 7):
                now = OPENED + timedelta(minutes=minute)
                if due_warnings(case, now, warned):
                    assert check is not None and now >= check
