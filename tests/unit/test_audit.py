"""The audit history: severity changes with their outcome, and every event with its extras."""

from __future__ import annotations

from projections.audit import AuditView

from .support import (
    CUSTOMER,
    ENGINEER,
    Desk,
    agreed,
    closed,
    declined,
    instant,
    opened,
    proposed,
    replay,
    report,
    responded,
)


def changes(history: list[dict], as_of_minutes: float | None = None) -> list[dict]:
    as_of = instant(as_of_minutes) if as_of_minutes is not None else None
    return report(history, as_of)["audit"]["C-1"]["severity_changes"]


def test_an_agreed_change_records_who_proposed_who_decided_and_when() -> None:
    history = [opened(), responded(1), proposed(2, 3, proposal_id="p-1"), agreed(3)]
    assert changes(history) == [
        {
            "proposal_id": "p-1",
            "from": 2,
            "to": 3,
            "proposed_by": ENGINEER,
            "proposed_at": "2026-09-01T12:02:00Z",
            "outcome": "agreed",
            "decided_by": CUSTOMER,
            "decided_at": "2026-09-01T12:03:00Z",
        }
    ]


def test_a_declined_change_is_recorded_and_the_severity_stays() -> None:
    history = [opened(), responded(1), proposed(2, 4, message_id="m-p"), declined(3)]
    (change,) = changes(history)
    assert (change["proposal_id"], change["outcome"], change["decided_by"]) == (
        "m-p",
        "declined",
        CUSTOMER,
    )
    assert report(history)["sla"]["cases"][0]["current_severity"] == 2


def test_a_superseded_proposal_is_recorded_as_superseded() -> None:
    history = [
        opened(),
        responded(1),
        proposed(2, 3, proposal_id="p-1"),
        proposed(3, 4, proposal_id="p-2", engineer="eng-9"),
    ]
    first, second = changes(history)
    assert (first["proposal_id"], first["outcome"], first["decided_by"]) == (
        "p-1",
        "superseded",
        None,
    )
    assert first["decided_at"] == "2026-09-01T12:03:00Z"
    assert (second["proposal_id"], second["from"], second["proposed_by"]) == ("p-2", 2, "eng-9")
    assert second["outcome"] == "pending" and second["decided_at"] is None


def test_a_decision_after_t_is_pending_as_of_t() -> None:
    history = [opened(), responded(1), proposed(2, 3), agreed(10)]
    (change,) = changes(history, 5)
    assert (change["outcome"], change["decided_by"], change["decided_at"]) == (
        "pending",
        None,
        None,
    )
    assert changes(history, 1) == []


def test_rejected_proposals_and_decisions_leave_no_trace() -> None:
    history = [
        opened(),
        proposed(1, 3),
        responded(2),
        agreed(3),
        proposed(4, 2),
        agreed(5, customer="globex"),
    ]
    assert changes(history) == []


def test_unknown_extra_fields_are_forwarded_into_the_audit_events() -> None:
    history = [
        opened(x_source="portal"),
        responded(1, x_trace={"span": 7}),
        proposed(2, 3, ticket_ref="JIRA-1"),
        closed(3),
    ]
    audit = replay(history).audit.cases["C-1"]
    assert [(e.type, e.extra) for e in audit.events] == [
        ("Opened", {"x_source": "portal"}),
        ("FirstResponse", {"x_trace": {"span": 7}}),
        ("SeverityProposed", {"ticket_ref": "JIRA-1"}),
        ("Closed", {}),
    ]
    events = audit.to_report(instant(10), with_events=True)["events"]
    assert events[1]["extra"] == {"x_trace": {"span": 7}}
    assert events[1]["message_id"] == history[1]["message_id"]


def test_cases_opened_after_t_are_not_in_the_audit() -> None:
    history = [opened(0, case_id="C-1"), opened(10, case_id="C-2")]
    assert list(report(history, instant(5))["audit"]) == ["C-1"]


def test_a_republished_event_is_audited_once() -> None:
    desk = Desk()
    desk.take_all(opened(), responded(1), proposed(2, 3), agreed(3))
    events = desk.case().collect_events()
    view = AuditView()
    for event in events + events[1:]:
        view.apply(event)
    assert [e.version for e in view.cases["C-1"].events] == [1, 2, 3, 4]
    assert len(view.cases["C-1"].severity_changes) == 1
