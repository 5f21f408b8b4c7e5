"""The intake ledger: one tiny aggregate per upstream message, proving it was taken once.

Its id is derived from the `message_id`, so recording the same message twice is a version
conflict in the event store: idempotency enforced by the store itself, in the same
transaction as the case events the message caused.
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.ids import uuid5_namer
from domain.sealing import built_event, initialised_aggregate

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://casebook.dev/ns/intake-message")
_ledger_uuid = uuid5_namer(LEDGER_NAMESPACE)


@functools.lru_cache(maxsize=4_096)
def ledger_entry_id(message_id: str) -> UUID:
    """Remembered for a while: the live intake names each entry twice (the batch's look-up
    of the ids already taken, then the record), a batch apart at most (see
    `case_aggregate_id` for the size)."""
    return _ledger_uuid(message_id)


class IntakeMessageTaken(Aggregate):
    """Records that a message was decided on (accepted or rejected) and how."""

    TOPIC = "casebook:IntakeMessageTaken"

    class Created(Aggregate.Created):
        TOPIC = "casebook:IntakeMessageTaken.Created"
        message_id: str
        case_id: str | None
        outcome: str
        reason: str | None

        def mutate(self, aggregate: Any) -> Any:
            assert aggregate is None
            return initialised_aggregate(
                self, self.message_id, self.case_id, self.outcome, self.reason
            )

    def __init__(self, message_id: str, case_id: str | None, outcome: str, reason: str | None):
        self.message_id = message_id
        self.case_id = case_id
        self.outcome = outcome
        self.reason = reason

    @classmethod
    def record(
        cls, message_id: str, case_id: str | None, outcome: str, reason: str | None
    ) -> IntakeMessageTaken:
        created = ledger_entry_event(message_id, case_id, outcome, reason)
        entry: IntakeMessageTaken = created.mutate(None)
        entry.pending_events.append(created)
        return entry


def ledger_entry_event(
    message_id: str, case_id: str | None, outcome: str, reason: str | None
) -> IntakeMessageTaken.Created:
    """The one event of `IntakeMessageTaken.record(...)`, without the aggregate around it:
    what a caller that only stores the entry needs (its `collect_events()`)."""
    created_class = IntakeMessageTaken.Created
    return built_event(
        created_class,
        {
            "originator_id": ledger_entry_id(message_id),
            "originator_version": IntakeMessageTaken.INITIAL_VERSION,
            "timestamp": created_class.create_timestamp(),
            "originator_topic": IntakeMessageTaken.TOPIC,
            "message_id": message_id,
            "case_id": case_id,
            "outcome": outcome,
            "reason": reason,
        },
    )


DEAD_LETTER_NAMESPACE = uuid5(NAMESPACE_URL, "https://casebook.dev/ns/dead-letter")
_dead_letter_uuid = uuid5_namer(DEAD_LETTER_NAMESPACE)


def dead_letter_id(source_topic: str, source_partition: int, source_offset: int) -> UUID:
    """One rejection record per source record: redelivery of a record cannot record it twice."""
    return _dead_letter_uuid(f"{source_topic}|{source_partition}|{source_offset}")


class DeadLetter(Aggregate):
    """A rejected intake record, kept byte for byte with its reason until it is published.

    The intake stores it in the same transaction that moves its position, and the outbox
    relay publishes it to the rejected topic: a crash can neither lose it nor send it twice.
    Bytes are kept as base64 text so every event-store backend stores them the same way.
    """

    TOPIC = "casebook:DeadLetter"

    class Created(Aggregate.Created):
        TOPIC = "casebook:DeadLetter.Created"
        source_topic: str
        source_partition: int
        source_offset: int
        key_b64: str | None
        value_b64: str
        headers: list[list[str]]
        reason: str
        detail: str
        message_id: str | None
        case_id: str | None
        at: str | None

        def mutate(self, aggregate: Any) -> Any:
            assert aggregate is None
            return initialised_aggregate(self)

    def __init__(self) -> None:
        """Nothing to hold: a dead letter is written once and read back only as its event."""

    @classmethod
    def record(
        cls,
        *,
        source_topic: str,
        source_partition: int,
        source_offset: int,
        key_b64: str | None,
        value_b64: str,
        headers: list[list[str]],
        reason: str,
        detail: str,
        message_id: str | None,
        case_id: str | None,
        at: str | None,
    ) -> DeadLetter:
        created = dead_letter_event(
            source_topic=source_topic,
            source_partition=source_partition,
            source_offset=source_offset,
            key_b64=key_b64,
            value_b64=value_b64,
            headers=headers,
            reason=reason,
            detail=detail,
            message_id=message_id,
            case_id=case_id,
            at=at,
        )
        letter: DeadLetter = created.mutate(None)
        letter.pending_events.append(created)
        return letter


def dead_letter_event(
    *,
    source_topic: str,
    source_partition: int,
    source_offset: int,
    key_b64: str | None,
    value_b64: str,
    headers: list[list[str]],
    reason: str,
    detail: str,
    message_id: str | None,
    case_id: str | None,
    at: str | None,
) -> DeadLetter.Created:
    """The one event of `DeadLetter.record(...)`, without the aggregate around it: what a
    caller that only stores the dead letter needs (its `collect_events()`)."""
    created_class = DeadLetter.Created
    return built_event(
        created_class,
        {
            "originator_id": dead_letter_id(source_topic, source_partition, source_offset),
            "originator_version": DeadLetter.INITIAL_VERSION,
            "timestamp": created_class.create_timestamp(),
            "originator_topic": DeadLetter.TOPIC,
            "source_topic": source_topic,
            "source_partition": source_partition,
            "source_offset": source_offset,
            "key_b64": key_b64,
            "value_b64": value_b64,
            "headers": headers,
            "reason": reason,
            "detail": detail,
            "message_id": message_id,
            "case_id": case_id,
            "at": at,
        },
    )
