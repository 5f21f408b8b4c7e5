"""Case events built directly (not through eventsourcing's generic trigger_event) are the
very events the dataclass constructor makes: same fields, same order, same hash."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from eventsourcing.domain import ProgrammingError

from analysis.spill.case_records import dump_case, load_case
from domain.case import Case
from domain.case_state import CASE_NAMESPACE, case_aggregate_id
from domain.chain import GENESIS_HASH, UNSEALED, event_hash
from domain.desk import Accepted, IntakeDesk
from domain.event_codec import EVENT_CLASSES
from domain.event_wire import event_to_wire
from domain.ids import uuid5_namer
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.sealing import sealed_event
from tooling.histories import build_history

from .support import (
    POLICY,
    Desk,
    agreed,
    closed,
    declined,
    line,
    message,
    opened,
    proposed,
    reopened,
    resolved,
    responded,
)

SAMPLE_VALUES: dict[str, Any] = {
    "originator_id": UUID("99cf4abb-bd87-5935-90a4-d3cea33c4f42"),
    "originator_version": 3,
    "timestamp": datetime(2026, 9, 1, 12, 0, 0, 123456, tzinfo=UTC),
    "originator_topic": "casebook:Case",
    "case_id": "C-1",
    "message_id": "m-1",
    "actor_id": "eng-7",
    "actor_role": "engineer",
    "extra": {"ticket": "X-1"},
    "previous_hash": "a" * 64,
    "hash": "",
    "due_at": datetime(2026, 9, 1, 18, 0, tzinfo=UTC),
    "technologies": ["java"],
    "cap_level": None,
    "cap_reason": None,
    "subject": None,
    "business_impact": "all down",
    "body": "é\u2028",
    "response_clock": "calendar",
}


def sample_fields(event_class: type[Any]) -> dict[str, Any]:
    return {
        field.name: SAMPLE_VALUES.get(field.name, 2 if "int" in str(field.type) else "x")
        for field in dataclasses.fields(event_class)
    }


@pytest.mark.parametrize("event_class", EVENT_CLASSES.values(), ids=EVENT_CLASSES)
def test_a_sealed_event_is_the_one_its_constructor_makes_with_its_hash(event_class) -> None:
    fields = sample_fields(event_class)
    shuffled = list(fields.items())
    random.Random(7).shuffle(shuffled)

    event = sealed_event(event_class, dict(shuffled))

    expected = event_class(**{**fields, "hash": event.hash})
    assert event == expected
    assert list(event.__dict__.items()) == list(expected.__dict__.items())
    assert event.hash == event_hash(event_to_wire(event))


def test_a_field_missing_or_unexpected_is_refused() -> None:
    fields = sample_fields(Case.Resolved)
    with pytest.raises(TypeError, match="missing \\['case_id'\\]"):
        sealed_event(Case.Resolved, {k: v for k, v in fields.items() if k != "case_id"})
    with pytest.raises(TypeError, match="unexpected \\['body'\\]"):
        sealed_event(Case.Resolved, {**fields, "body": "hi"})


def test_the_base_event_class_cannot_be_recorded() -> None:
    with pytest.raises(ProgrammingError):
        sealed_event(Case.Event, sample_fields(Case.Event))


def test_every_recorded_event_keeps_the_field_order_of_its_dataclass() -> None:
    desk = Desk()
    desk.take_all(
        opened(0),
        responded(5),
        responded(6),
        message("case.awaiting_customer", 7, actor=("eng-1", "engineer")),
        message("case.customer_replied", 8),
        proposed(10, severity=3),
        proposed(11, severity=4),
        agreed(12),
        proposed(13, severity=3),
        declined(14),
        resolved(20),
        reopened(30),
        resolved(40),
        closed(50),
    )
    (case,) = desk.cases.cases.values()
    events = case.collect_events()
    assert {type(event) for event in events} == set(EVENT_CLASSES.values())
    for event in events:
        names = [field.name for field in dataclasses.fields(event)]
        assert list(event.__dict__) == names
        assert type(event)(**event.__dict__) == event


def test_the_opening_builds_the_case_eventsourcing_would_have_built() -> None:
    desk = Desk()
    desk.take_all(opened(0, technologies=["dotnet"]))
    (case,) = desk.cases.cases.values()
    (event,) = case.collect_events()
    assert isinstance(event, Case.Opened)

    generic = super(Case.Opened, event).mutate(None)  # eventsourcing's own, then the chain head

    assert vars(event.mutate(None)) == vars(generic) == vars(case)


@pytest.mark.parametrize("name", ["C-1", "", "é", "x" * 300, "\u2028\U0001f600"])
def test_the_deterministic_ids_are_rfc_4122_uuid5(name: str) -> None:
    namespace = uuid4()
    assert uuid5_namer(namespace)(name) == uuid5(namespace, name)
    assert case_aggregate_id(name) == uuid5(CASE_NAMESPACE, name)
    assert uuid5(NAMESPACE_URL, "https://casebook.dev/ns/case") == CASE_NAMESPACE


def desk_events(lines: list[bytes], *, sealed: bool) -> tuple[list[Any], InMemoryCases]:
    """Every event a desk records over `lines`, in order, with its cases."""
    cases = InMemoryCases()
    desk = IntakeDesk(cases, InMemoryLedger(), POLICY, sealed=sealed)
    events: list[Any] = []
    for raw in lines:
        outcome = desk.take(parse_message(raw.rstrip(b"\n")))
        if isinstance(outcome, Accepted):
            events.extend(outcome.case.collect_events())
    return events, cases


def test_an_unsealed_desk_records_the_sealed_desks_events_without_their_hashes() -> None:
    lines = list(build_history(3000, 11).lines)
    sealed, _ = desk_events(lines, sealed=True)
    unsealed, cases = desk_events(lines, sealed=False)

    assert len(sealed) == len(unsealed) > 1000
    heads: dict[str, str] = {}
    for kept, bare in zip(sealed, unsealed, strict=True):
        assert type(bare) is type(kept)
        assert kept.previous_hash == heads.get(kept.case_id, GENESIS_HASH)
        assert kept.hash == event_hash(event_to_wire(kept))  # the default still seals
        heads[kept.case_id] = kept.hash
        assert (bare.previous_hash, bare.hash) == (UNSEALED, UNSEALED)
        unhashed = {**kept.__dict__, "previous_hash": UNSEALED, "hash": UNSEALED}
        assert list(bare.__dict__.items()) == list(unhashed.items())
    assert all(case.chain_head == UNSEALED for case in cases.cases.values())


def test_an_unsealed_case_stays_unsealed_after_the_spill_wrote_and_read_it_back() -> None:
    """The chain head says whether a case seals: it travels with the case's state."""
    opening = line(opened())
    for sealed in (True, False):
        desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY, sealed=sealed)
        outcome = desk.take(parse_message(opening))
        assert isinstance(outcome, Accepted)
        outcome.case.collect_events()
        case = load_case(dump_case(outcome.case))
        rejection = case.handle(parse_message(line(responded(30))))  # type: ignore[arg-type]
        assert rejection is None
        (event,) = case.collect_events()
        assert (event.hash == UNSEALED) is (not sealed)
        assert event.previous_hash == (outcome.case.chain_head if sealed else UNSEALED)
