"""The intake desk: the one use case of the engine, shared by offline replay and live intake.

It takes a parsed message, drops duplicates, routes it to its case and returns what happened.
Storage is behind two small ports, so replay runs on dictionaries and the live engine on the
event store, through the very same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.case import Case
from domain.messages import CaseOpened, IntakeMessage
from domain.parsing import InvalidMessage
from domain.policy import Policy
from domain.reasons import ReasonCode, Rejection
from domain.sources import Source, may_speak_for


class CaseRepository(Protocol):
    """Where the desk finds cases and hands over new ones."""

    def find(self, case_id: str) -> Case | None: ...

    def add(self, case: Case) -> None: ...


class MessageLedger(Protocol):
    """Which `message_id`s were already accepted or rejected."""

    def has_seen(self, message_id: str) -> bool: ...

    def note(self, message_id: str, case_id: str | None, rejection: Rejection | None) -> None: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    case: Case
    message_id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    rejection: Rejection
    message_id: str | None
    case_id: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Duplicate:
    message_id: str


Outcome = Accepted | Rejected | Duplicate


class IntakeDesk:
    """Decides on messages one at a time, in arrival order."""

    def __init__(
        self, cases: CaseRepository, ledger: MessageLedger, policy: Policy, *, sealed: bool = True
    ) -> None:
        """`sealed=False` opens every case unsealed (`Case.open`): for a replay whose events
        are neither stored nor published, and whose report shows no hash."""
        self._cases = cases
        self._ledger = ledger
        self._policy = policy
        self._sealed = sealed

    def take(self, parsed: IntakeMessage | InvalidMessage, source: Source | None = None) -> Outcome:
        """`source`: the declared source that signed the record (contract 1.2), whose reach
        is checked; None where actors are believed (a history file, auth off)."""
        if isinstance(parsed, InvalidMessage):
            return self._take_invalid(parsed)
        if self._ledger.has_seen(parsed.message_id):
            return Duplicate(parsed.message_id)
        result = self._decide(parsed, source)
        rejection = result if isinstance(result, Rejection) else None
        self._ledger.note(parsed.message_id, parsed.case_id, rejection)
        if rejection is not None:
            return Rejected(rejection, parsed.message_id, parsed.case_id, parsed.at)
        assert isinstance(result, Case)
        return Accepted(result, parsed.message_id)

    def abandon(self, case_id: str | None) -> None:
        """Drop what a decision that raised left pending on its case, so none of it reaches
        a view with a later message's events. (State a half-applied event changed stays:
        callers that can, such as the live intake, re-decide the whole batch instead.)"""
        case = self._cases.find(case_id) if case_id is not None else None
        if case is not None:
            case.collect_events()

    def _take_invalid(self, invalid: InvalidMessage) -> Outcome:
        if invalid.message_id is not None:
            if self._ledger.has_seen(invalid.message_id):
                return Duplicate(invalid.message_id)
            self._ledger.note(invalid.message_id, invalid.case_id, invalid.rejection)
        return Rejected(invalid.rejection, invalid.message_id, invalid.case_id, invalid.at)

    def _decide(self, message: IntakeMessage, source: Source | None) -> Case | Rejection:
        case = self._cases.find(message.case_id)
        if source is not None:
            refused = may_speak_for(source, message.actor.role, _customers(message, case))
            if refused is not None:
                return refused
            message.sign_as(source.name)  # so its events name the source
        if case is None:
            if not isinstance(message, CaseOpened):
                return Rejection(
                    ReasonCode.UNKNOWN_CASE, f"case {message.case_id} was never opened"
                )
            opened = Case.open(message, self._policy, sealed=self._sealed)
            if isinstance(opened, Case):
                self._cases.add(opened)
            return opened
        rejection = case.handle(message)
        return rejection if rejection is not None else case


def _customers(message: IntakeMessage, case: Case | None) -> list[str]:
    """The customers a message concerns: the acting one, an opened case's, the case's."""
    customers = [message.actor.id] if message.actor.role == "customer" else []
    if isinstance(message, CaseOpened):
        customers.append(message.customer.id)
    if case is not None:
        customers.append(case.customer_id)
    return customers
