"""Case events to and from their published form (`casebook.events`, schemas v1 and v2), pure.

The wire form names each event by a stable identity: the case, the aggregate version and an
`event_id` derived from both, so a consumer recognises a re-published event as the same one.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.event_wire import (  # noqa: F401  (re-exported: the codec's public face)
    WIRE_SCHEMA,
    WIRE_SCHEMAS,
    datetime_field_names,
    event_data,
    event_id,
    event_to_wire,
    event_type,
)
from domain.sealing import built_event

EVENT_CLASSES: dict[str, type[Case.Event]] = {
    cls.__name__: cls
    for cls in (
        Case.Opened,
        Case.FirstResponse,
        Case.Responded,
        Case.SeverityProposalSuperseded,
        Case.SeverityProposed,
        Case.SeverityAgreed,
        Case.SeverityDeclined,
        Case.Resolved,
        Case.Reopened,
        Case.Closed,
        Case.CustomerReplied,
        Case.AwaitingCustomer,
    )
}


WIRE_VERSIONS = {schema: version for version, schema in WIRE_SCHEMAS.items()}


def event_from_wire(document: dict[str, Any]) -> Case.Event:
    """Rebuild the domain event; raises KeyError/ValueError/TypeError on a document of
    another shape (a data field the class does not have is a TypeError, as its constructor
    would raise)."""
    cls = EVENT_CLASSES[document["type"]]
    datetime_fields, defaults = _wire_fields(cls)
    actor = document["actor"]
    fields: dict[str, Any] = {
        "originator_id": UUID(document["aggregate_id"]),
        "originator_version": int(document["version"]),
        "timestamp": datetime.fromisoformat(document["at"]),
        "case_id": document["case_id"],
        "message_id": document["message_id"],
        "actor_id": actor["id"],
        "actor_role": actor["role"],
        "extra": document.get("extra", {}),
        "previous_hash": document["previous_hash"],
        "hash": document["hash"],
        "source": document.get("source"),
        "wire_version": WIRE_VERSIONS[document["schema"]],
    }
    for name, value in document["data"].items():
        fields[name] = datetime.fromisoformat(value) if name in datetime_fields and value else value
    for name, default in defaults.items():
        fields.setdefault(name, default)
    if cls is Case.Opened:
        fields["originator_topic"] = "casebook:Case"
    # The event as its constructor makes it (fields checked, in dataclass order), without
    # the frozen dataclass's `__init__`: this runs for every event the projections read.
    return built_event(cls, fields)


@functools.cache
def _wire_fields(cls: type[Case.Event]) -> tuple[frozenset[str], dict[str, Any]]:
    """The class's datetime fields, and its fields left out of the wire while at default."""
    return datetime_field_names(cls), dict(getattr(cls, "OMIT_WHEN_DEFAULT", {}))
