"""The published form of a case event (schema v1), built from any case event object.

Kept apart from the decoder (`event_codec`) because the Case aggregate itself needs it: an
event's chain hash is computed over exactly this form, when the event is recorded.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

WIRE_SCHEMA = "casebook.event/v1"
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
    }
)


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """The same event always has the same id, however often it is published."""
    return uuid5(aggregate_id, str(version))


def event_type(event: Any) -> str:
    return type(event).__name__


def event_data(event: Any) -> dict[str, Any]:
    """The fields particular to the event's type, JSON-ready.

    A field added in a later class version is left out while it holds the value its
    upcaster gives old events: so an event recorded by v1 code and read by v2 code has the
    same published form, and the same hash, as when it was recorded.
    """
    omit = getattr(type(event), "OMIT_WHEN_DEFAULT", {})
    data = {}
    for field in dataclasses.fields(event):
        if field.name in ENVELOPE_FIELDS:
            continue
        value = getattr(event, field.name)
        if field.name in omit and value == omit[field.name]:
            continue
        data[field.name] = _to_json(value)
    return data


def event_to_wire(event: Any) -> dict[str, Any]:
    """The event as published and exported; `hash` covers every other field of this form."""
    return {
        "schema": WIRE_SCHEMA,
        "event_id": str(event_id(event.originator_id, event.originator_version)),
        "type": event_type(event),
        "case_id": event.case_id,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "at": utc_text(event.timestamp),
        "message_id": event.message_id,
        "actor": {"id": event.actor_id, "role": event.actor_role},
        "data": event_data(event),
        "extra": event.extra,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def utc_text(instant: datetime) -> str:
    """Canonical instant text: UTC, microseconds, `+00:00` (what the hash is computed over)."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    return value
