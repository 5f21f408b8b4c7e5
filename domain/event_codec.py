"""Case events to and from their published form (`casebook.events`, schema v1), pure.

The wire form names each event by a stable identity: the case, the aggregate version and an
`event_id` derived from both, so a consumer recognises a re-published event as the same one.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.event_wire import (  # noqa: F401  (re-exported: the codec's public face)
    WIRE_SCHEMA,
    event_data,
    event_id,
    event_to_wire,
    event_type,
)

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
        "previous_hash": document["previous_hash"],
        "hash": document["hash"],
    }
    datetime_fields = {
        field.name
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if "datetime" in str(field.type)
    }
    for name, value in document["data"].items():
        kwargs[name] = datetime.fromisoformat(value) if name in datetime_fields and value else value
    for name, default in getattr(cls, "OMIT_WHEN_DEFAULT", {}).items():
        kwargs.setdefault(name, default)
    if cls is Case.Opened:
        kwargs["originator_topic"] = "casebook:Case"
    return cls(**kwargs)
