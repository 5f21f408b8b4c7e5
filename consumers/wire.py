"""Records the relay publishes: case events onto `casebook.events`, dead letters onto the
rejected topic. Bytes and headers only; no Kafka client here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from domain.case import Case
from domain.chain import canonical_json
from domain.event_codec import WIRE_SCHEMA, event_to_wire
from domain.ledger import DeadLetter

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class OutgoingRecord:
    key: bytes | None
    value: bytes
    headers: Headers


def encode_case_event(event: Case.Event) -> OutgoingRecord:
    """Keyed by case id, so each case's events stay in order on one partition."""
    document = event_to_wire(event)
    return OutgoingRecord(
        key=event.case_id.encode("utf-8"),
        value=canonical_json(document),  # the form its hash is over, plus the hash
        headers=[
            ("casebook.schema", WIRE_SCHEMA.encode()),
            ("casebook.event_id", document["event_id"].encode()),
            ("casebook.type", document["type"].encode()),
            ("casebook.case_id", event.case_id.encode("utf-8")),
            ("casebook.version", str(event.originator_version).encode()),
        ],
    )


def encode_dead_letter(letter: DeadLetter.Created) -> OutgoingRecord:
    """The original key, value and headers byte for byte, plus why and where from."""
    headers: Headers = [(name, base64.b64decode(value)) for name, value in letter.headers]
    headers += [
        ("casebook.reason", letter.reason.encode()),
        ("casebook.detail", letter.detail.encode("utf-8")),
        ("casebook.source.topic", letter.source_topic.encode("utf-8")),
        ("casebook.source.partition", str(letter.source_partition).encode()),
        ("casebook.source.offset", str(letter.source_offset).encode()),
    ]
    for name, optional in (
        ("casebook.message_id", letter.message_id),
        ("casebook.case_id", letter.case_id),
        ("casebook.at", letter.at),
    ):
        if optional is not None:
            headers.append((name, optional.encode("utf-8")))
    return OutgoingRecord(
        key=base64.b64decode(letter.key_b64) if letter.key_b64 is not None else None,
        value=base64.b64decode(letter.value_b64),
        headers=headers,
    )


def header(headers: Headers | None, name: str) -> str | None:
    for key, value in headers or []:
        if key == name:
            return value.decode("utf-8")
    return None
