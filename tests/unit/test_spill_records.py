"""An evicted case comes back from the scratch file exactly as it left, whatever its shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from analysis.replay import take_history
from analysis.spill.case_records import dump_case, load_case
from analysis.spill.plain import PICKLED, PLAIN
from analysis.spill.view_records import dump_audit, dump_sla, load_audit, load_sla
from domain.desk import IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from projections.audit import AuditView
from projections.rejections import RejectedList
from projections.sla import SlaView
from tooling.histories import build_history

from .support import POLICY


def replayed(messages: int, seed: int) -> tuple[InMemoryCases, SlaView, AuditView]:
    cases, sla, audit = InMemoryCases(), SlaView(), AuditView(keep_events=False)
    desk = IntakeDesk(cases, InMemoryLedger(), POLICY)
    take_history(build_history(messages, seed).lines, desk, sla, audit, RejectedList())
    return cases, sla, audit


def test_every_case_row_and_audit_of_a_history_comes_back_equal_and_plainly_encoded() -> None:
    cases, sla, audit = replayed(3000, 7)
    assert any(case.pending_proposal is not None for case in cases.cases.values())
    assert any(a.severity_changes for a in audit.cases.values())
    for case_id, case in cases.cases.items():
        for value, dump, load in (
            (case, dump_case, load_case),
            (sla.cases[case_id], dump_sla, load_sla),
            (audit.cases[case_id], dump_audit, load_audit),
        ):
            blob = dump(value)  # type: ignore[operator, arg-type]
            assert blob[:1] == PLAIN
            back = load(blob)
            assert back == value
            assert zones(back) == zones(value) == {UTC}


def zones(value: object) -> set[object]:
    """The time zones of every instant in a case, row or audit record (nested one level)."""
    state = value.__dict__ if hasattr(value, "__dict__") else {}
    found: set[object] = set()
    for item in state.values():
        for inner in item if isinstance(item, list) else [item]:
            members = [inner, *getattr(inner, "__dict__", {}).values()]
            if isinstance(inner, tuple):
                members = list(inner)
            found |= {m.tzinfo for m in members if isinstance(m, datetime)}
    return found


def test_a_case_that_goes_on_after_coming_back_records_what_the_original_would() -> None:
    cases, _, _ = replayed(1500, 11)
    original = next(c for c in cases.cases.values() if c.status == "open")
    copy = load_case(dump_case(original))
    assert copy.id == original.id and copy.version == original.version
    assert copy.chain_head == original.chain_head and copy.pending_events == []


def test_values_the_plain_layout_cannot_hold_exactly_are_pickled_instead() -> None:
    _, sla, audit = replayed(800, 3)
    row = next(iter(sla.cases.values()))
    elsewhere = timezone(timedelta(hours=2))
    shifted = replace(row, due_at=row.due_at.astimezone(elsewhere))
    blob = dump_sla(shifted)
    assert blob[:1] == PICKLED
    assert load_sla(blob).due_at.utcoffset() == timedelta(hours=2)
    record = next(iter(audit.cases.values()))
    with_events = replace(record, events=["an entry"])  # type: ignore[list-item]
    assert load_audit(dump_audit(with_events)) == with_events
    assert dump_audit(with_events)[:1] == PICKLED


def test_a_case_with_an_attribute_the_layout_does_not_know_is_pickled_whole() -> None:
    cases, _, _ = replayed(800, 5)
    case = next(iter(cases.cases.values()))
    case.__dict__["noted_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    blob = dump_case(case)
    assert blob[:1] == PICKLED
    assert load_case(blob).__dict__ == case.__dict__


def test_a_business_hours_row_and_a_case_awaiting_its_customer_come_back_plainly() -> None:
    """SLA v2 state: the row's business-time thresholds, the case's wait on the customer."""
    from datetime import datetime, timedelta

    from projections.sla import SlaCase

    opened_at = datetime(2026, 11, 27, 19, tzinfo=UTC)
    row = SlaCase(
        "C-1",
        "cust",
        2,
        2,
        opened_at,
        opened_at + timedelta(days=3),
        warn_at=(opened_at + timedelta(days=2), opened_at + timedelta(days=2, hours=1)),
    )
    blob = dump_sla(row)
    assert blob[:1] == PLAIN and load_sla(blob) == row
    cases, _, _ = replayed(300, 3)
    case = next(iter(cases.cases.values()))
    case.awaiting_customer = True
    blob = dump_case(case)
    assert blob[:1] == PLAIN and load_case(blob).awaiting_customer is True


def test_every_metrics_timeline_of_a_business_history_comes_back_equal_and_plainly() -> None:
    """SLA v2: the timelines a business-hours history folds (replies, waits, reopenings,
    agreed severities, pinned calendars) survive the scratch file as they were."""
    from analysis.replay import replay_history
    from analysis.spill.timeline_records import dump_timeline, load_timeline
    from tests.business_support import EXAMPLE_POLICY
    from tooling.histories.business import business_history

    metrics = replay_history(business_history(80, 5), EXAMPLE_POLICY).metrics
    assert metrics is not None
    kinds = {kind for t in metrics.cases.values() for _, kind in t.entries}
    assert {"replied", "awaiting", "reopened", "resolved"} <= kinds, kinds
    assert any(t.changes for t in metrics.cases.values()), "no agreed severity change"
    for timeline in metrics.cases.values():
        blob = dump_timeline(timeline)
        assert blob[:1] == PLAIN
        assert load_timeline(blob) == timeline


def test_a_timeline_with_an_instant_in_another_zone_is_pickled_and_still_equal() -> None:
    from analysis.spill.timeline_records import dump_timeline, load_timeline
    from projections.timelines import CaseTimeline

    elsewhere = datetime(2026, 3, 29, 3, tzinfo=timezone(timedelta(hours=2)))
    timeline = CaseTimeline("C-9", elsewhere, 2, "eu-office", "abc", "cust", [], [])
    blob = dump_timeline(timeline)
    assert blob[:1] == PICKLED and load_timeline(blob) == timeline
