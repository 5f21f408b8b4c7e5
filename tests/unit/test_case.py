"""The Case aggregate: what its events record, and that state changes only by them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.case import Case
from domain.case_state import case_aggregate_id
from domain.event_codec import event_from_wire, event_to_wire

from .support import (
    POLICY,
    Desk,
    agreed,
    closed,
    declined,
    instant,
    opened,
    proposed,
    reopened,
    resolved,
    responded,
)

CAP_REASON = ".NET and MS-SQL cases are capped at severity 2"


def events_of(*documents: dict) -> list[Case.Event]:
    desk = Desk()
    desk.take_all(*documents)
    events: list[Case.Event] = []
    for case in desk.cases.cases.values():
        events += case.collect_events()
    return events


@pytest.mark.parametrize(
    "technology",
    [
        "dotnet",
        "DotNet",
        ".net",
        ".NET",
        "mssql",
        "MSSQL",
        "ms-sql",
        "MS-SQL",
        "sqlserver",
        "SqlServer",
    ],
)
def test_a_capped_case_opened_at_1_is_accepted_at_2_with_requested_effective_and_why(
    technology: str,
) -> None:
    (event,) = events_of(opened(severity=1, technologies=["java", technology]))
    assert isinstance(event, Case.Opened)
    assert (event.requested_severity, event.severity, event.cap_level) == (1, 2, 2)
    assert event.cap_reason is not None and event.cap_reason.startswith(CAP_REASON)
    assert event.due_at == instant(6 * 60)  # the target of the effective severity


@pytest.mark.parametrize("severity", [2, 3, 4])
def test_a_capped_case_opened_within_its_cap_keeps_its_severity(severity: int) -> None:
    (event,) = events_of(opened(severity=severity, technologies=["dotnet"]))
    assert isinstance(event, Case.Opened)
    assert (event.requested_severity, event.severity, event.cap_level) == (severity, severity, 2)
    assert event.cap_reason is None


@pytest.mark.parametrize("technologies", [[], ["java", "mysql"], ["dotnetcore"], ["sql"]])
def test_other_technologies_are_not_capped(technologies: list[str]) -> None:
    (event,) = events_of(opened(severity=1, technologies=technologies))
    assert isinstance(event, Case.Opened)
    assert (event.severity, event.cap_level, event.cap_reason) == (1, None, None)


@pytest.mark.parametrize(("severity", "hours"), [(1, 2), (2, 6), (3, 12), (4, 24)])
def test_due_at_is_the_opening_plus_the_target_of_the_severity(severity: int, hours: int) -> None:
    (event,) = events_of(opened(severity=severity))
    assert isinstance(event, Case.Opened)
    assert event.due_at == instant(hours * 60)
    assert event.first_response_minutes == hours * 60


def test_the_opening_records_the_policy_it_was_judged_by() -> None:
    (event,) = events_of(opened())
    assert isinstance(event, Case.Opened)
    assert (event.policy_id, event.policy_version, event.policy_hash) == (
        POLICY.id,
        POLICY.version,
        POLICY.content_hash,
    )


def test_every_event_carries_case_version_utc_time_and_the_causing_message() -> None:
    documents = [
        opened(),
        responded(1),
        proposed(2, 3),
        agreed(3),
        resolved(4),
        reopened(5),
        closed(6),
    ]
    documents[1]["at"] = "2026-09-01T14:01:00+02:00"
    events = events_of(*documents)
    assert [type(e).__name__ for e in events] == [
        "Opened",
        "FirstResponse",
        "SeverityProposed",
        "SeverityAgreed",
        "Resolved",
        "Reopened",
        "Closed",
    ]
    assert [e.originator_version for e in events] == list(range(1, 8))
    assert {e.originator_id for e in events} == {case_aggregate_id("C-1")}
    assert [e.message_id for e in events] == [d["message_id"] for d in documents]
    assert {e.case_id for e in events} == {"C-1"}
    assert [e.timestamp for e in events] == [instant(n) for n in range(7)]
    assert all(e.timestamp.utcoffset() == timedelta(0) for e in events)


def test_time_comes_from_the_messages_not_the_clock() -> None:
    (event,) = events_of(opened())
    assert event.timestamp == datetime(2026, 9, 1, 12, tzinfo=UTC)


def test_only_the_first_response_is_the_first_response() -> None:
    events = events_of(opened(), responded(10), responded(20))
    assert [type(e).__name__ for e in events] == ["Opened", "FirstResponse", "Responded"]


def test_a_newer_proposal_supersedes_the_pending_one() -> None:
    events = events_of(
        opened(), responded(1), proposed(2, 3, proposal_id="p-1"), proposed(3, 4, proposal_id="p-2")
    )
    superseded, newer = events[-2:]
    assert isinstance(superseded, Case.SeverityProposalSuperseded)
    assert (superseded.proposal_id, superseded.superseded_by) == ("p-1", "p-2")
    assert isinstance(newer, Case.SeverityProposed)
    assert (newer.proposal_id, newer.from_severity, newer.to_severity) == ("p-2", 2, 4)


def test_agreement_changes_the_severity_and_declining_keeps_it() -> None:
    desk = Desk()
    desk.take_all(opened(), responded(1), proposed(2, 4), declined(3))
    assert desk.case().severity == 2 and desk.case().pending_proposal is None
    desk.take_all(proposed(4, 3), agreed(5))
    case = desk.case()
    assert (case.severity, case.sla_severity, case.due_at) == (3, 2, instant(360))


def test_unknown_extra_fields_travel_with_the_events() -> None:
    events = events_of(opened(x_source="portal"), responded(1, x_trace={"span": 7}))
    assert [e.extra for e in events] == [{"x_source": "portal"}, {"x_trace": {"span": 7}}]


def test_events_survive_their_wire_form() -> None:
    events = events_of(
        opened(severity=1, technologies=["MSSQL"]), responded(1), proposed(2, 3), agreed(3)
    )
    for event in events:
        wire = event_to_wire(event)
        back = event_from_wire(wire)
        assert event_to_wire(back) == wire
        assert type(back) is type(event)
        assert back == event
        assert list(vars(back)) == list(vars(event))  # stored state in the same field order


def test_a_wire_event_with_a_field_its_class_lacks_is_refused() -> None:
    (event,) = events_of(opened())
    wire = event_to_wire(event)
    wire["data"]["colour"] = "blue"
    with pytest.raises(TypeError, match="colour"):
        event_from_wire(wire)
    del wire["data"]["colour"], wire["data"]["severity"]
    with pytest.raises(TypeError, match="severity"):
        event_from_wire(wire)
