"""Events built directly; case events sealed: fields, published form and hash in one pass.

eventsourcing's generic `trigger_event` / `_create` copy the keyword arguments, look up
topics and method signatures and run the dataclass `__init__` for every event; our
aggregates know all of that in advance. So an event is built here the way eventsourcing's
own mapper rebuilds a stored one (`object.__new__` and its `__dict__`), with the fields in
the order the dataclass `__init__` would have set them: the event object, its stored state
and its published form are the same as before, only cheaper to make. What the generic path
checked per event (a registered topic, no missing or unexpected field) is checked here
too: the topic once per class, the fields on every event.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from eventsourcing.domain import (
    ProgrammingError,
    _check_explicit_topic_is_registered,  # what its trigger_event checks per event
    resolve_topic,
)

from domain.chain import unsigned_event_hash
from domain.event_wire import unsigned_wire_of

E = TypeVar("E")

_new = object.__new__
_set = object.__setattr__


def sealed_event(event_class: type[E], fields: dict[str, Any]) -> E:
    """The event with `fields` (`hash` included, as a placeholder), its `hash` computed.

    Takes ownership of `fields`, as `built_event` does.
    """
    event = built_event(event_class, fields)
    fields = event.__dict__
    fields["hash"] = unsigned_event_hash(unsigned_wire_of(event_class, fields))
    return event


def built_event(event_class: type[E], fields: dict[str, Any]) -> E:
    """The event the dataclass constructor makes of `fields`, without running it.

    Takes ownership of `fields`. Fields given in the dataclass order are used as they are;
    any other order is rearranged into it (the order of the stored state).
    """
    names = _FIELD_NAMES.get(event_class) or field_names(event_class)
    if tuple(fields) != names:
        fields = _in_field_order(event_class, names, fields)
    event = _new(event_class)
    _set(event, "__dict__", fields)
    return event


def field_names(event_class: type[Any]) -> tuple[str, ...]:
    """The event's fields in dataclass order, once its topic is known to name it."""
    if event_class.__name__ == "Event":
        raise ProgrammingError("Triggering base 'Event' class is prohibited.")
    _check_explicit_topic_is_registered(event_class)
    names = tuple(field.name for field in dataclasses.fields(event_class))
    _FIELD_NAMES[event_class] = names
    return names


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _in_field_order(
    event_class: type[Any], names: tuple[str, ...], fields: dict[str, Any]
) -> dict[str, Any]:
    missing = [name for name in names if name not in fields]
    unexpected = [name for name in fields if name not in names]
    if missing or unexpected:
        raise TypeError(
            f"Can't construct event {event_class.__qualname__}: "
            f"missing {missing}, unexpected {unexpected}"
        )
    return {name: fields[name] for name in names}


def initialised_aggregate(created: Any, *init_args: Any) -> Any:
    """What eventsourcing's `CanInitAggregate.mutate` builds of a created event, without its
    per-event filtering of the event's fields by method signatures: the aggregate's own
    `__init__` gets `init_args`, the fields its signature names."""
    aggregate_class = resolve_topic(created.originator_topic)
    aggregate = aggregate_class.__new__(aggregate_class)
    aggregate.__base_init__(created.originator_id, created.originator_version, created.timestamp)
    aggregate.__init__(*init_args)
    created.apply(aggregate)
    return aggregate
