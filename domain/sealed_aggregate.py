"""An eventsourcing aggregate whose events are sealed into a hash chain as they are recorded.

eventsourcing's `trigger_event` builds each event through its generic path (keyword
copies, topic look-ups, the dataclass `__init__`); here an event is built directly
(`domain.sealing`) with the fields every case event takes from its message, and sealed
into the aggregate's chain unless the aggregate was opened unsealed (an offline replay's).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain.chain import UNSEALED
from domain.event_wire import CURRENT_WIRE_VERSION
from domain.messages import Envelope
from domain.sealing import built_event, sealed_event
from domain.timefmt import to_utc


class SealedAggregate(Aggregate):
    """Subclasses keep `chain_head`, the hash of their latest event (`GENESIS_HASH` before
    the first, `UNSEALED` for an aggregate opened unsealed), which their events' `mutate`
    moves on."""

    chain_head: str

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        """Every event is sealed into the chain as it is recorded (unless unsealed)."""
        fields = {
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "previous_hash": self.chain_head,
            "hash": UNSEALED,
            "wire_version": CURRENT_WIRE_VERSION,
            **kwargs,
        }
        self._append(self._seal(event_class, fields))

    def _record(self, event_class: type[Any], message: Envelope, **data: Any) -> None:
        """`trigger_event` with the fields every event takes from its message, built in
        the order the event stores them (so they need no rearranging)."""
        actor = message.actor
        fields = {
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "timestamp": to_utc(message.at),
            "case_id": message.case_id,
            "message_id": message.message_id,
            "actor_id": actor.id,
            "actor_role": actor.role,
            "extra": message.extra_fields,
            "previous_hash": self.chain_head,
            "hash": UNSEALED,
            "source": message.signed_by,
            "wire_version": CURRENT_WIRE_VERSION,
            **data,
        }
        self._append(self._seal(event_class, fields))

    def _seal(self, event_class: type[Any], fields: dict[str, Any]) -> Any:
        """The event, sealed into the chain unless the aggregate was opened unsealed."""
        if self.chain_head == UNSEALED:
            return built_event(event_class, fields)
        return sealed_event(event_class, fields)

    def collect_events(self) -> list[Any]:
        """The pending events, handed over whole (eventsourcing's pops them one at a time
        from the front of its list)."""
        collected, self._pending_events = self._pending_events, []
        return collected

    def _append(self, event: Any) -> None:
        """What eventsourcing's `trigger_event` does with the event it built."""
        event.mutate(self)
        self.pending_events.append(event)
