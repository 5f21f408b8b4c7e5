"""Contract 1.2: every event decided from a signed record names its source, under the hash."""

from __future__ import annotations

import copy
import json
import pickle

from casebook.policies import load_policy
from domain.case import Case
from domain.chain import event_hash
from domain.desk import Accepted, IntakeDesk
from domain.event_codec import event_from_wire
from domain.event_wire import event_to_wire
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.published import PublishedEvent
from domain.sources import Source
from projections.audit import audit_entry

PORTAL = Source("portal", (b"p" * 32,), frozenset({"customer"}))
DESK = Source("desk", (b"d" * 32,), frozenset({"engineer"}))


def line(n: int, type_: str, role: str, actor: str, **fields: object) -> bytes:
    return json.dumps(
        {
            "message_id": f"m-{n}",
            "case_id": "C-1",
            "type": type_,
            "at": f"2026-10-01T10:{n:02d}:00Z",
            "actor": {"id": actor, "role": role},
            **fields,
        }
    ).encode()


OPENED = line(
    1,
    "case.opened",
    "customer",
    "cust-1",
    customer={"id": "cust-1", "tier": "enterprise"},
    severity=2,
)
RESPONDED = line(2, "case.responded", "engineer", "eng-1", body="looking")


def decided(*records: tuple[bytes, Source | None]) -> list[Case.Event]:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    events: list[Case.Event] = []
    for raw, source in records:
        outcome = desk.take(parse_message(raw), source)
        assert isinstance(outcome, Accepted)
        events.extend(outcome.case.collect_events())
    return events


def test_each_event_names_the_source_that_signed_its_record():
    events = decided((OPENED, PORTAL), (RESPONDED, DESK))
    assert [(type(e).__name__, e.source) for e in events] == [
        ("Opened", "portal"),
        ("FirstResponse", "desk"),
    ]
    for event in events:
        wire = event_to_wire(event)
        assert wire["source"] == event.source
        PublishedEvent.model_validate(wire)  # the published schema takes it
        assert event_from_wire(wire).source == event.source  # and it reads back
        assert audit_entry(event).to_report()["source"] == event.source


def test_the_hash_covers_the_source_so_renaming_it_breaks_the_chain():
    (opened,) = decided((OPENED, PORTAL))
    wire = event_to_wire(opened)
    assert event_hash(wire) == wire["hash"]
    assert event_hash({**wire, "source": "desk"}) != wire["hash"]
    assert event_hash({k: v for k, v in wire.items() if k != "source"}) != wire["hash"]


def test_unsigned_records_name_no_source_and_their_form_is_as_before_1_2():
    events = decided((OPENED, None), (RESPONDED, None))
    assert all(event.source is None for event in events)
    for event in events:
        wire = event_to_wire(event)
        assert "source" not in wire
        assert event_hash(wire) == wire["hash"]
        assert event_from_wire(wire).source is None
        assert "source" not in audit_entry(event).to_report()


def test_a_field_named_source_in_the_message_cannot_set_it():
    forged = json.loads(OPENED)
    names = ("source", "_signed_by", "signed_by", "_signer")  # "_signer": the slot's name
    forged.update(dict.fromkeys(names, "portal"))
    assert parse_message(json.dumps(forged).encode()).signed_by is None
    (opened,) = decided((json.dumps(forged).encode(), None))
    assert opened.source is None
    assert opened.extra == dict.fromkeys(names, "portal")


def test_a_signed_message_stays_signed_when_copied_or_pickled_and_others_stay_unsigned():
    signed, unsigned = parse_message(OPENED), parse_message(OPENED)
    signed.sign_as("portal")
    copies = (
        copy.copy,
        copy.deepcopy,
        lambda m: pickle.loads(pickle.dumps(m)),
        lambda m: m.model_copy(),
        lambda m: m.model_copy(deep=True),
    )
    for duplicate in copies:
        assert duplicate(signed).signed_by == "portal"
        assert duplicate(unsigned).signed_by is None
