"""SLA v2's intake types: `case.customer_replied` (the case's own customer) and
`case.awaiting_customer` (an engineer), with contract 1.1's envelope rules and order."""

from __future__ import annotations

from typing import Any

import pytest

from domain.case import Case
from domain.desk import Accepted, IntakeDesk
from domain.event_wire import event_to_wire
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.published import PublishedEvent

from .support import CUSTOMER, POLICY, line, message, opened, replay, resolved, responded

ENGINEER = ("eng-1", "engineer")


def replied(minutes: float, **fields: Any) -> dict[str, Any]:
    return message("case.customer_replied", minutes, **fields)


def waiting(minutes: float, **fields: Any) -> dict[str, Any]:
    return message("case.awaiting_customer", minutes, actor=ENGINEER, **fields)


def events_of(*messages: dict[str, Any]) -> list[Case.Event]:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    events: list[Case.Event] = []
    for document in messages:
        outcome = desk.take(parse_message(line(document)))
        assert isinstance(outcome, Accepted), outcome
        events.extend(outcome.case.collect_events())
    return events


def reasons(*messages: dict[str, Any]) -> dict[str, str]:
    return {r["message_id"]: r["reason"] for r in replay(messages).report()["rejected"]}


def test_both_types_are_accepted_and_recorded_as_events() -> None:
    events = events_of(
        opened(0), waiting(5, reason="logs?"), replied(9, body="here"), responded(10)
    )
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Opened", "AwaitingCustomer", "CustomerReplied", "FirstResponse"]
    for event in events:
        PublishedEvent.model_validate(event_to_wire(event)).typed_data()
    assert event_to_wire(events[1])["data"] == {"reason": "logs?"}
    assert event_to_wire(events[2])["data"] == {"body": "here"}


@pytest.mark.parametrize(
    ("later", "reason"),
    [
        (replied(5, case_id="C-9"), "unknown_case"),
        (replied(5, actor=("cust-other", "customer")), "actor_not_allowed"),
        (replied(5, actor=ENGINEER), "actor_not_allowed"),
        (waiting(5) | {"actor": {"id": CUSTOMER, "role": "customer"}}, "actor_not_allowed"),
        (waiting(-5), "before_open"),
    ],
)
def test_the_envelope_rules_apply(later: dict[str, Any], reason: str) -> None:
    assert reasons(opened(0), later) == {later["message_id"]: reason}


def test_order_and_closure_come_before_the_type_rules() -> None:
    got = reasons(opened(0), responded(10), waiting(8, message_id="early"))
    assert got == {"early": "out_of_order"}
    closed = message("case.closed", 20, actor=ENGINEER)
    got = reasons(opened(0), closed, waiting(30, message_id="late"), replied(31, message_id="r"))
    assert got == {"late": "case_closed", "r": "case_closed"}


def test_waiting_twice_or_on_a_resolved_case_is_an_invalid_transition() -> None:
    got = reasons(opened(0), waiting(1), waiting(2, message_id="twice"))
    assert got == {"twice": "invalid_transition"}
    got = reasons(opened(0), responded(1), resolved(2), waiting(3, message_id="resolved"))
    assert got == {"resolved": "invalid_transition"}


@pytest.mark.parametrize(
    "ends_the_wait",
    [
        replied(2),
        message("case.resolved", 2, actor=ENGINEER),
    ],
)
def test_the_customers_next_message_or_the_resolution_ends_the_wait(ends_the_wait) -> None:
    later = [waiting(3, message_id="again")]
    if ends_the_wait["type"] == "case.resolved":
        later = [message("case.reopened", 2.5), *later]
    assert reasons(opened(0), responded(1), waiting(1.5), ends_the_wait, *later) == {}


def test_engineer_messages_do_not_end_the_wait() -> None:
    got = reasons(opened(0), waiting(1), responded(2), waiting(3, message_id="still"))
    assert got == {"still": "invalid_transition"}


def test_a_customer_reply_on_a_resolved_case_is_accepted_and_does_not_reopen_it() -> None:
    events = events_of(opened(0), responded(1), resolved(2), replied(3))
    assert type(events[-1]) is Case.CustomerReplied
    assert reasons(
        opened(0), responded(1), resolved(2), replied(3), resolved(4, message_id="x")
    ) == {
        "x": "invalid_transition"  # still resolved
    }
