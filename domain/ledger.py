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
