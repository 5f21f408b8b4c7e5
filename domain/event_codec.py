"""Case events to and from their published form (`casebook.events`, schema v1), pure.

The wire form names each event by a stable identity: the case, the aggregate version and an
`event_id` derived from both, so a consumer recognises a re-published event as the same one.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from domain.case import Case

WIRE_SCHEMA = "casebook.event/v1"

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
    )
}
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
    }
)


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """The same event always has the same id, however often it is published."""
    return uuid5(aggregate_id, str(version))


def event_type(event: Case.Event) -> str:
    return type(event).__name__


def event_data(event: Case.Event) -> dict[str, Any]:
    """The fields particular to the event's type, JSON-ready."""
    return {
        field.name: _to_json(getattr(event, field.name))
        for field in dataclasses.fields(event)  # type: ignore[arg-type]
        if field.name not in ENVELOPE_FIELDS
    }


def event_to_wire(event: Case.Event) -> dict[str, Any]:
    return {
        "schema": WIRE_SCHEMA,
        "event_id": str(event_id(event.originator_id, event.originator_version)),
        "type": event_type(event),
        "case_id": event.case_id,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "at": event.timestamp.isoformat(),
        "message_id": event.message_id,
        "actor": {"id": event.actor_id, "role": event.actor_role},
        "data": event_data(event),
        "extra": event.extra,
    }


def event_from_wire(document: dict[str, Any]) -> Case.Event:
    """Rebuild the domain event; raises KeyError/ValueError on a document of another shape."""
    cls = EVENT_CLASSES[document["type"]]
    kwargs: dict[str, Any] = {
        "originator_id": UUID(document["aggregate_id"]),
        "originator_version": int(document["version"]),
        "timestamp": datetime.fromisoformat(document["at"]),
        "case_id": document["case_id"],
        "message_id": document["message_id"],
        "actor_id": document["actor"]["id"],
        "actor_role": document["actor"]["role"],
        "extra": document.get("extra", {}),
    }
    datetime_fields = {
        field.name
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if "datetime" in str(field.type)
    }
    for name, value in document["data"].items():
        kwargs[name] = datetime.fromisoformat(value) if name in datetime_fields and value else value
    if cls is Case.Opened:
        kwargs["originator_topic"] = "casebook:Case"
    return cls(**kwargs)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
