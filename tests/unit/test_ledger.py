"""Ledger entries and dead letters built directly are the ones eventsourcing's `_create`
makes, and they, like cases, read back from a store as the aggregates that were saved."""

from __future__ import annotations

from typing import Any
from uuid import uuid5

from eventsourcing.application import Application

from domain.case_state import case_aggregate_id
from domain.ledger import (
    DEAD_LETTER_NAMESPACE,
    LEDGER_NAMESPACE,
    DeadLetter,
    IntakeMessageTaken,
    dead_letter_event,
    dead_letter_id,
    ledger_entry_event,
    ledger_entry_id,
)

from .support import Desk, agreed, opened, proposed, responded

DEAD_LETTER: dict[str, Any] = {
    "source_topic": "casebook.intake",
    "source_partition": 2,
    "source_offset": 41,
    "key_b64": None,
    "value_b64": "e30=",
    "headers": [["trace", "eA=="]],
    "reason": "invalid_message",
    "detail": "at: Field required",
    "message_id": "m-1",
    "case_id": None,
    "at": None,
}


def without_timestamp(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """Field names in order, values but the clock's (`create_timestamp()` at each build)."""
    return [(name, None if name == "timestamp" else value) for name, value in state.items()]


def test_a_ledger_entry_is_the_one_eventsourcing_creates() -> None:
    entry = IntakeMessageTaken.record("m-1", "C-1", "rejected", "case_closed")
    generic = IntakeMessageTaken._create(
        IntakeMessageTaken.Created,
        id=ledger_entry_id("m-1"),
        message_id="m-1",
        case_id="C-1",
        outcome="rejected",
        reason="case_closed",
    )
    (event,) = entry.collect_events()
    (expected,) = generic.collect_events()
    assert without_timestamp(vars(event)) == without_timestamp(vars(expected))
    assert vars(entry).keys() == vars(generic).keys()
    assert (entry.id, entry.version, entry.created_on) == (event.originator_id, 1, event.timestamp)
    assert (entry.message_id, entry.case_id, entry.outcome, entry.reason) == (
        "m-1",
        "C-1",
        "rejected",
        "case_closed",
    )
    alone = ledger_entry_event("m-1", "C-1", "rejected", "case_closed")
    assert without_timestamp(vars(alone)) == without_timestamp(vars(event))


def test_a_dead_letter_is_the_one_eventsourcing_creates() -> None:
    letter = DeadLetter.record(**DEAD_LETTER)
    generic = DeadLetter._create(
        DeadLetter.Created, id=dead_letter_id("casebook.intake", 2, 41), **DEAD_LETTER
    )
    (event,) = letter.collect_events()
    (expected,) = generic.collect_events()
    assert without_timestamp(vars(event)) == without_timestamp(vars(expected))
    assert vars(letter).keys() == vars(generic).keys()
    alone = dead_letter_event(**DEAD_LETTER)
    assert without_timestamp(vars(alone)) == without_timestamp(vars(event))


def test_the_ids_are_the_uuid5_of_their_names() -> None:
    for _ in range(2):  # the second time from the ledger ids' cache
        assert ledger_entry_id("m-ü") == uuid5(LEDGER_NAMESPACE, "m-ü")
    assert dead_letter_id("t", 0, 7) == uuid5(DEAD_LETTER_NAMESPACE, "t|0|7")


def test_stored_entries_letters_and_cases_read_back_as_they_were_saved() -> None:
    store: Application[Any] = Application()
    entry = IntakeMessageTaken.record("m-1", None, "accepted", None)
    letter = DeadLetter.record(**DEAD_LETTER)
    desk = Desk()
    desk.take_all(opened(0), responded(5), proposed(10, severity=3), agreed(12))
    (case,) = desk.cases.cases.values()
    store.save(entry, letter, case)

    for saved in (entry, letter, case):
        read: Any = store.repository.get(saved.id)
        assert type(read) is type(saved)
        assert vars(read) == vars(saved)
    assert store.repository.get(case_aggregate_id("C-1")).chain_head == case.chain_head
