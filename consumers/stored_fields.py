"""Stored events read straight into their fields, for the relay, without building the event.

The relay turned every stored event into its object (eventsourcing's mapper: the JSON, a
Python hook per JSON object, the topic, the dataclass) only to turn that into its wire form
at once: about half of its ~22 us per record. An event whose stored state needs nothing but
its top-level datetimes restored is read here with orjson instead; any other (a class
version to upcast, a float, which may be an integer beyond 64 bits, a compressed or
encrypted state) goes the mapper's way. A unit test holds both ways equal.

Case events and dead letters hold datetimes only in the fields they declare as such: any
other value that looks like one of eventsourcing's transcodings (`{"_type_": ...,
"_data_": ...}`) is a message's own extra field, and is published as the message had it
(the mapper's way would turn it into an object, and the published event would no longer
match its hash).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from consumers.store_transcoder import holds_float
from domain.event_wire import datetime_field_names

DATETIME = "datetime_iso"


class StoredFields:
    """`fields(stored) -> (event class, field values)`, as the event object would hold them."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self._mapper = mapper
        self._plain = mapper.compressor is None and mapper.cipher is None
        self._classes: dict[str, type[Any]] = {}

    def fields(self, stored: StoredEvent) -> tuple[type[Any], dict[str, Any]]:
        event_class = self._classes.get(stored.topic)
        if event_class is None:
            event_class = self._classes[stored.topic] = resolve_topic(stored.topic)
        if self._plain:
            fields = plain_fields(event_class, stored)
            if fields is not None:
                return event_class, fields
        event = self._mapper.to_domain_event(stored)
        return type(event), event.__dict__


def plain_fields(event_class: type, stored: StoredEvent) -> dict[str, Any] | None:
    """The fields, if the state holds the class's own version, no transcoded value at its
    top level but datetimes, and no float (perhaps an integer beyond 64 bits, which orjson
    reads as one: see `store_transcoder.holds_float`); else None (the mapper's way is needed)."""
    if type(stored.originator_id) is not UUID:
        return None
    document = orjson.loads(stored.state)
    if document.pop("class_version", 1) != getattr(event_class, "class_version", 1):
        return None
    fields: dict[str, Any] = {
        "originator_id": stored.originator_id,
        "originator_version": stored.originator_version,
    }
    datetimes = datetime_field_names(event_class)  # the only values restored from JSON
    for name, value in document.items():
        kind = type(value)
        if kind is dict:
            if name in datetimes:
                if value.get("_type_") != DATETIME or len(value) != 2:
                    return None
                value = datetime.fromisoformat(value["_data_"])
            elif value and holds_float(value):
                return None
        elif kind is list:
            if value and holds_float(value):
                return None
        elif kind is float:
            return None
        fields[name] = value
    return fields
