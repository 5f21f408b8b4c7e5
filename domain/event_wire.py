"""The published form of a case event (schema v1), built from any case event object.

Kept apart from the decoder (`event_codec`) because the Case aggregate itself needs it: an
event's chain hash is computed over exactly this form, when the event is recorded.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from domain.timefmt import format_exact_instant, format_offset_instant

WIRE_SCHEMA = "casebook.event/v2"
"""The form every event recorded now is published in: instants as `...:33.000000Z`."""
WIRE_SCHEMAS = {1: "casebook.event/v1", 2: WIRE_SCHEMA}
"""The published form of each `wire_version`. An event keeps the form it was sealed in
(its hash covers that text): events recorded before version 2 stay v1, `+00:00` instants."""
CURRENT_WIRE_VERSION = 2
ENVELOPE_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "case_id",
        "message_id",
        "actor_id",
        "actor_role",
        "extra",
        "previous_hash",
        "hash",
        "source",
        "wire_version",
    }
)


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """The same event always has the same id, however often it is published."""
    return uuid5(aggregate_id, str(version))


def event_id_text(aggregate_id: UUID, version: int) -> str:
    """`str(event_id(...))` without building UUID objects: it is on every event's hot path.

    The SHA-1 hex digest with its version nibble set to 5 and its variant nibble to 10xx.
    """
    text = hashlib.sha1(aggregate_id.bytes + b"%d" % version).hexdigest()
    variant = _VARIANT_NIBBLE[text[16]]
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{variant}{text[17:20]}-{text[20:32]}"


_VARIANT_NIBBLE = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}


def event_type(event: Any) -> str:
    return type(event).__name__


def event_data(event: Any) -> dict[str, Any]:
    """The fields particular to the event's type, JSON-ready.

    A field added in a later class version is left out while it holds the value its
    upcaster gives old events: so an event recorded by v1 code and read by v2 code has the
    same published form, and the same hash, as when it was recorded.
    """
    return data_of(type(event), event.__dict__, CURRENT_WIRE_VERSION)


def data_of(event_class: type, fields: dict[str, Any], wire_version: int) -> dict[str, Any]:
    """`event_data` from the class and its field values (before the event object exists),
    instants written as the given wire version writes them."""
    names, omit = _data_fields(event_class)
    text = _INSTANT_TEXT[wire_version]
    data = {}
    for name in names:
        value = fields[name]
        if name in omit and value == omit[name]:
            continue
        data[name] = text(value) if isinstance(value, datetime) else value
    return data


@functools.cache
def _data_fields(event_class: type) -> tuple[tuple[str, ...], dict[str, Any]]:
    names = tuple(f.name for f in dataclasses.fields(event_class) if f.name not in ENVELOPE_FIELDS)
    return names, getattr(event_class, "OMIT_WHEN_DEFAULT", {})


@functools.cache
def datetime_field_names(event_class: type) -> frozenset[str]:
    """The fields the class declares as datetimes: the values read back from text."""
    return frozenset(
        field.name for field in dataclasses.fields(event_class) if "datetime" in str(field.type)
    )


def event_to_wire(event: Any) -> dict[str, Any]:
    """The event as published and exported; `hash` covers every other field of this form."""
    return wire_of(type(event), event.__dict__)


def wire_of(event_class: type[Any], fields: dict[str, Any]) -> dict[str, Any]:
    """`event_to_wire` from the class and its field values."""
    document = unsigned_wire_of(event_class, fields)
    document["hash"] = fields.get("hash", "")
    return document


def unsigned_wire_of(event_class: type[Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The published form without its `hash`: what the hash is computed over. The Case seals
    an event with this before constructing it, so the form is computed once, not twice."""
    wire_version = fields.get("wire_version", 1)  # absent from events stored before v2
    text = _INSTANT_TEXT[wire_version]
    document = {
        "schema": WIRE_SCHEMAS[wire_version],
        "event_id": event_id_text(fields["originator_id"], fields["originator_version"]),
        "type": event_class.__name__,
        "case_id": fields["case_id"],
        "aggregate_id": uuid_text(fields["originator_id"]),
        "version": fields["originator_version"],
        "at": text(fields["timestamp"]),
        "message_id": fields["message_id"],
        "actor": {"id": fields["actor_id"], "role": fields["actor_role"]},
        "data": data_of(event_class, fields, wire_version),
        "extra": fields["extra"],
        "previous_hash": fields["previous_hash"],
    }
    source = fields.get("source")  # absent from events stored before contract 1.2
    if source is not None:  # only signed records name one: older forms and hashes unchanged
        document["source"] = source
    return document


@functools.lru_cache(maxsize=4_096)
def uuid_text(aggregate_id: UUID) -> str:
    """`str(aggregate_id)`, remembered: a case's events name their aggregate one after another
    (`UUID.__str__` is Python code, a cache hit a C call)."""
    return str(aggregate_id)


_INSTANT_TEXT = {1: format_offset_instant, 2: format_exact_instant}
"""How each wire version writes an instant."""
