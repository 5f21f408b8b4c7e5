"""Records the relay publishes: case events onto `casebook.events`, dead letters onto the
rejected topic. Bytes and headers only; no Kafka client here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from domain.case import Case
from domain.chain import canonical_json
from domain.event_wire import wire_of
from domain.ledger import DeadLetter

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class OutgoingRecord:
    key: bytes | None
    value: bytes
    headers: Headers


def encode_case_event(event: Case.Event) -> OutgoingRecord:
    """Keyed by case id, so each case's events stay in order on one partition."""
    return case_event_record(type(event), event.__dict__)


def case_event_record(event_class: type[Case.Event], fields: dict[str, Any]) -> OutgoingRecord:
    """`encode_case_event` from the event's class and field values (what the relay reads
    from the store, without building the event)."""
    document = wire_of(event_class, fields)
    case_id: str = fields["case_id"]
    return OutgoingRecord(
        key=case_id.encode("utf-8"),
        value=canonical_json(document),  # the form its hash is over, plus the hash
        headers=[
            ("casebook.schema", document["schema"].encode()),
            ("casebook.event_id", document["event_id"].encode()),
            ("casebook.type", document["type"].encode()),
            ("casebook.case_id", case_id.encode("utf-8")),
            ("casebook.version", str(fields["originator_version"]).encode()),
        ],
    )


def encode_dead_letter(letter: DeadLetter.Created) -> OutgoingRecord:
    """The original key, value and headers byte for byte, plus why and where from."""
    return dead_letter_record(letter.__dict__)


def dead_letter_record(fields: dict[str, Any]) -> OutgoingRecord:
    """`encode_dead_letter` from the letter's field values."""
    headers: Headers = [(name, base64.b64decode(value)) for name, value in fields["headers"]]
    headers += [
        ("casebook.reason", fields["reason"].encode()),
        ("casebook.detail", fields["detail"].encode("utf-8")),
        ("casebook.source.topic", fields["source_topic"].encode("utf-8")),
        ("casebook.source.partition", str(fields["source_partition"]).encode()),
        ("casebook.source.offset", str(fields["source_offset"]).encode()),
    ]
    for name in ("message_id", "case_id", "at"):
        optional = fields[name]
        if optional is not None:
            headers.append((f"casebook.{name}", optional.encode("utf-8")))
    key_b64 = fields["key_b64"]
    return OutgoingRecord(
        key=base64.b64decode(key_b64) if key_b64 is not None else None,
        value=base64.b64decode(fields["value_b64"]),
        headers=headers,
    )


def header(headers: Headers | None, name: str) -> str | None:
    for key, value in headers or []:
        if key == name:
            return value.decode("utf-8")
    return None
