"""Wire v2: events are published with `...:33.000000Z` instants; events sealed before it keep
the v1 form (`+00:00`) their hashes cover, and a case recorded across the upgrade verifies."""

from __future__ import annotations

import json

import pytest

from casebook.policies import load_policy
from domain.case import Case
from domain.chain import event_hash
from domain.desk import Accepted, IntakeDesk
from domain.event_codec import event_from_wire
from domain.event_wire import event_to_wire
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.published import PublishedEvent
from evidence.verify import verify_export
from tests.unit.test_source_in_events import OPENED, RESPONDED, line

CLOSED = line(3, "case.closed", "engineer", "eng-1")


def take(desk: IntakeDesk, raw: bytes) -> list[Case.Event]:
    outcome = desk.take(parse_message(raw))
    assert isinstance(outcome, Accepted)
    return outcome.case.collect_events()


def as_before_wire_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("domain.opening.CURRENT_WIRE_VERSION", 1)
    monkeypatch.setattr("domain.sealed_aggregate.CURRENT_WIRE_VERSION", 1)


def test_events_recorded_now_are_published_in_wire_v2() -> None:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    (opened,) = take(desk, OPENED)
    wire = event_to_wire(opened)
    assert wire["schema"] == "casebook.event/v2"
    assert wire["at"] == "2026-10-01T10:01:00.000000Z"
    assert wire["data"]["due_at"] == "2026-10-01T16:01:00.000000Z"
    assert event_hash(wire) == wire["hash"]
    assert event_to_wire(event_from_wire(wire)) == wire
    PublishedEvent.model_validate(wire)


def test_an_event_sealed_before_wire_v2_keeps_its_form_and_hash(monkeypatch) -> None:
    as_before_wire_v2(monkeypatch)
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    (opened,) = take(desk, OPENED)
    monkeypatch.undo()
    wire = event_to_wire(opened)
    assert (wire["schema"], wire["at"]) == ("casebook.event/v1", "2026-10-01T10:01:00.000000+00:00")
    assert wire["data"]["due_at"] == "2026-10-01T16:01:00.000000+00:00"
    assert event_hash(wire) == wire["hash"]
    assert event_to_wire(event_from_wire(wire)) == wire  # read back and republished: unchanged
    PublishedEvent.model_validate(wire)


def test_a_case_recorded_across_the_upgrade_verifies(monkeypatch) -> None:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    as_before_wire_v2(monkeypatch)
    events = take(desk, OPENED) + take(desk, RESPONDED)
    monkeypatch.undo()
    events += take(desk, CLOSED)
    documents = [event_to_wire(event) for event in events]
    assert [d["schema"][-2:] for d in documents] == ["v1", "v1", "v2"]
    assert documents[2]["previous_hash"] == documents[1]["hash"]
    assert verify_export(json.dumps(d) for d in documents).ok
    edited = [*documents[:2], {**documents[2], "at": "2026-10-01T10:03:00.000000+00:00"}]
    assert not verify_export(
        json.dumps(d) for d in edited
    ).ok  # the same instant in the other form: another text
