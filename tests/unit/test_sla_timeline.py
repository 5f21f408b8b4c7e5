"""The one-pass timeline equals the SLA report as of each of its instants, for any rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.sla import SlaCase, sla_report
from projections.sla_timeline import timeline_points

START = datetime(2026, 1, 1, tzinfo=UTC)
# Instants on a coarse grid, so rows often fall exactly on a timeline's instants.
instants = st.integers(min_value=0, max_value=40).map(lambda h: START + timedelta(hours=h * 6))
maybe = st.one_of(st.none(), instants)


@st.composite
def rows(draw: st.DrawFn) -> SlaCase:
    opened = draw(instants)
    severity = draw(st.integers(min_value=1, max_value=4))
    later = st.integers(min_value=0, max_value=40).map(lambda h: opened + timedelta(hours=h * 6))
    return SlaCase(
        case_id=f"C-{draw(st.integers(min_value=0, max_value=10**6))}",
        customer_id="K-1",
        sla_severity=severity,
        requested_severity=severity,
        opened_at=opened,
        due_at=draw(later),
        first_response_at=draw(st.one_of(st.none(), later)),
        closed_at=draw(st.one_of(st.none(), later)),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rows(), max_size=25),
    st.lists(instants, min_size=1, max_size=12, unique=True).map(sorted),
)
def test_each_point_is_the_report_as_of_its_instant(cases, points_at):
    points = timeline_points(cases, points_at)
    assert len(points) == len(points_at)
    for instant, point in zip(points_at, points, strict=True):
        report = sla_report(cases, instant)
        assert point["total"] == report["total"]
        assert point["by_severity"] == {
            level: counts["compliance"] for level, counts in report["by_severity"].items()
        }


def test_a_case_is_pending_until_due_then_breached_until_answered_late():
    case = SlaCase(
        case_id="C-1",
        customer_id="K-1",
        sla_severity=2,
        requested_severity=2,
        opened_at=START,
        due_at=START + timedelta(days=1),
        first_response_at=START + timedelta(days=3),
    )
    days = [START + timedelta(days=n) for n in range(-1, 5)]
    totals = [point["total"] for point in timeline_points([case], days)]
    assert [t["opened"] for t in totals] == [0, 1, 1, 1, 1, 1]
    assert [t["pending"] for t in totals] == [0, 1, 1, 0, 0, 0]  # due at day 1: not yet late
    assert [t["breached"] for t in totals] == [0, 0, 0, 1, 1, 1]
    assert [t["compliance"] for t in totals] == [None, None, None, 0.0, 0.0, 0.0]
