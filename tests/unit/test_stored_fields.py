"""The relay's read of stored events publishes what decoding them to objects published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from consumers.event_store import CaseStore
from consumers.stored_fields import StoredFields, plain_fields
from consumers.wire import (
    OutgoingRecord,
    case_event_record,
    dead_letter_record,
    encode_case_event,
    encode_dead_letter,
)
from domain.case import Case
from domain.chain import event_hash
from domain.desk import Accepted, IntakeDesk
from domain.ledger import DeadLetter, dead_letter_event
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from tests.unit.support import POLICY, line, opened, responded

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


@pytest.fixture(scope="module")
def store() -> CaseStore:
    return CaseStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def sample_events() -> list[Any]:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    events: list[Any] = []
    for number, raw in enumerate(SAMPLE.read_bytes().splitlines()):
        outcome = desk.take(parse_message(raw))
        if isinstance(outcome, Accepted):
            events += outcome.case.collect_events()
        elif number % 3 == 0:
            events.append(letter(number, raw))
    return events


def letter(offset: int, value: bytes, headers: list[list[str]] | None = None) -> Any:
    return dead_letter_event(
        source_topic="casebook.intake",
        source_partition=1,
        source_offset=offset,
        key_b64="QzE=",
        value_b64="eyJ4IjoxfQ==",
        headers=headers or [],
        reason="invalid_message",
        detail=f"line {offset}",
        message_id=None if offset % 2 else f"m-{offset}",
        case_id="C-1",
        at="2026-09-01T08:00:00+00:00",
    )


def published(store: CaseStore, stored: StoredEvent) -> OutgoingRecord:
    """The old way: the event object, then its record."""
    event = store.mapper.to_domain_event(stored)
    if isinstance(event, Case.Event):
        return encode_case_event(event)
    assert isinstance(event, DeadLetter.Created)
    return encode_dead_letter(event)


def read(fields: StoredFields, stored: StoredEvent) -> OutgoingRecord:
    event_class, values = fields.fields(stored)
    if issubclass(event_class, Case.Event):
        return case_event_record(event_class, values)
    assert issubclass(event_class, DeadLetter.Created)
    return dead_letter_record(values)


def test_every_sample_event_reads_the_plain_way_into_the_same_record(store: CaseStore) -> None:
    fields = StoredFields(store.mapper)
    events = sample_events()
    assert {type(event).__name__ for event in events} >= {"Opened", "FirstResponse", "Created"}
    for event in events:
        stored = store.mapper.to_stored_event(event)
        assert plain_fields(type(event), stored) is not None, type(event)
        assert read(fields, stored) == published(store, stored)


def events_with_odd_extras() -> list[Any]:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    odd: list[dict[str, Any]] = [
        {"x_big": 2**70 + 1},  # orjson would read a float
        {"x_ratio": 0.25},
        {"x_list": [1, [2.5]]},
    ]
    events: list[Any] = []
    for number, extra in enumerate(odd):
        case_id = f"C-odd-{number}"
        for document in (opened(case_id=case_id, **extra), responded(5, case_id=case_id, **extra)):
            outcome = desk.take(parse_message(line(document)))
            assert isinstance(outcome, Accepted)
            events += outcome.case.collect_events()
    return events


def test_states_the_plain_way_cannot_read_exactly_go_the_mappers_way(store: CaseStore) -> None:
    fields = StoredFields(store.mapper)
    for event in events_with_odd_extras():
        stored = store.mapper.to_stored_event(event)
        assert plain_fields(type(event), stored) is None
        assert read(fields, stored) == published(store, stored)
        assert read(fields, stored).value == encode_case_event(event).value  # the hashed form


def test_an_extra_field_shaped_like_a_transcoding_is_published_as_the_message_had_it(
    store: CaseStore,
) -> None:
    """The mapper's way turned it into a datetime, and the published event no longer
    matched its hash; the plain way publishes exactly the form the hash covers."""
    shaped = {"_type_": "datetime_iso", "_data_": "2026-09-01T08:00:00+00:00"}
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    outcome = desk.take(parse_message(line(opened(case_id="C-shaped", x_when=shaped))))
    assert isinstance(outcome, Accepted)
    (event,) = outcome.case.collect_events()
    stored = store.mapper.to_stored_event(event)
    record = read(StoredFields(store.mapper), stored)
    assert record == encode_case_event(event)
    wire = orjson.loads(record.value)
    assert wire["extra"] == {"x_when": shaped}
    assert event_hash(wire) == wire["hash"]
    assert published(store, stored) != record  # what the relay used to publish


def test_an_event_stored_by_an_older_class_version_is_upcast(store: CaseStore) -> None:
    (event, *_) = [e for e in sample_events() if isinstance(e, Case.Opened)]
    stored = store.mapper.to_stored_event(event)
    state = orjson.loads(stored.state)
    del state["class_version"], state["response_clock"]  # as v1 code stored it
    v1 = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=orjson.dumps(state),
    )
    assert plain_fields(Case.Opened, v1) is None
    assert read(StoredFields(store.mapper), v1) == encode_case_event(event)


def test_a_dead_letter_with_headers_keeps_them(store: CaseStore) -> None:
    dead = letter(7, b"{}", headers=[["trace", "dGVzdA=="], ["empty", ""]])
    stored = store.mapper.to_stored_event(dead)
    record = read(StoredFields(store.mapper), stored)
    assert record == encode_dead_letter(dead)
    assert record.headers[:2] == [("trace", b"test"), ("empty", b"")]
