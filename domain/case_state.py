"""What a case is, apart from how it changes: its identity, its status, a pending
severity proposal, and the view of a case the rules read (`CaseView`).

Kept apart from the aggregate so the rules (`domain.rules`) can read a case without
importing it: the aggregate imports the rules, never the other way round.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.ids import uuid5_namer
from domain.messages import Envelope
from domain.timefmt import to_utc

CASE_NAMESPACE = uuid5(NAMESPACE_URL, "https://casebook.dev/ns/case")
CaseStatus = Literal["open", "resolved", "closed"]
_case_uuid = uuid5_namer(CASE_NAMESPACE)


@functools.lru_cache(maxsize=4_096)
def case_aggregate_id(case_id: str) -> UUID:
    """Deterministic: the same upstream case id always names the same aggregate.

    Remembered for a while: the live intake names a new case when it looks for it in the
    store and again when it opens it, a batch apart at most. 4,096 ids cover batches of
    2,000; 16,384 held ~3.7 MiB, and filled only after ~90k messages of the bench's
    history, which read as memory growing with the history."""
    return _case_uuid(case_id)


@dataclass(frozen=True, slots=True)
class PendingProposal:
    proposal_id: str
    from_severity: int
    to_severity: int
    proposed_by: str
    proposed_at: datetime


class CaseView(Protocol):
    """The state of a case the rules decide on (the `Case` aggregate has it all)."""

    @property
    def case_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def status(self) -> CaseStatus: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def modified_on(self) -> datetime:
        """The case's latest event's timestamp: the `at` of its latest accepted message."""
        ...

    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def severity(self) -> int: ...
    @property
    def cap_level(self) -> int | None: ...
    @property
    def pending_proposal(self) -> PendingProposal | None: ...
    @property
    def awaiting_customer(self) -> bool: ...


def message_cause(message: Envelope) -> dict[str, Any]:
    """The fields every event carries: who acted, which upstream message, when, and extras."""
    actor = message.actor
    return {
        "timestamp": to_utc(message.at),
        "case_id": message.case_id,
        "message_id": message.message_id,
        "actor_id": actor.id,
        "actor_role": actor.role,
        "extra": message.extra_fields,
    }
