"""The intake ledger: one tiny aggregate per upstream message, proving it was taken once.

Its id is derived from the `message_id`, so recording the same message twice is a version
conflict in the event store: idempotency enforced by the store itself, in the same
transaction as the case events the message caused.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://casebook.dev/ns/intake-message")


def ledger_entry_id(message_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, message_id)


class IntakeMessageTaken(Aggregate):
    """Records that a message was decided on (accepted or rejected) and how."""

    TOPIC = "casebook:IntakeMessageTaken"

    class Created(Aggregate.Created):
        TOPIC = "casebook:IntakeMessageTaken.Created"
        message_id: str
        case_id: str | None
        outcome: str
        reason: str | None

    def __init__(self, message_id: str, case_id: str | None, outcome: str, reason: str | None):
        self.message_id = message_id
        self.case_id = case_id
        self.outcome = outcome
        self.reason = reason

    @classmethod
    def record(
        cls, message_id: str, case_id: str | None, outcome: str, reason: str | None
    ) -> IntakeMessageTaken:
        return cls._create(
            cls.Created,
            id=ledger_entry_id(message_id),
            message_id=message_id,
            case_id=case_id,
            outcome=outcome,
            reason=reason,
        )


DEAD_LETTER_NAMESPACE = uuid5(NAMESPACE_URL, "https://casebook.dev/ns/dead-letter")


def dead_letter_id(source_topic: str, source_partition: int, source_offset: int) -> UUID:
    """One rejection record per source record: redelivery of a record cannot record it twice."""
    return uuid5(DEAD_LETTER_NAMESPACE, f"{source_topic}|{source_partition}|{source_offset}")


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
        return cls._create(
            cls.Created,
            id=dead_letter_id(source_topic, source_partition, source_offset),
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
