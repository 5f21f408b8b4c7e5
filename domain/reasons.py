"""Why a message was refused: the contract's reason codes, and a rejection as a value.

A rejection is data the caller routes (to the rejected topic, into the report), never an
exception: a poison message must not be able to stop the stream it arrived on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    """The reason codes of the intake contract (1.1), and `decision_failed`, the last line of
    defence when deciding on one record raised (nothing else is ever emitted)."""

    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_CASE = "unknown_case"
    CASE_EXISTS = "case_exists"
    CUSTOMER_NOT_ELIGIBLE = "customer_not_eligible"
    ACTOR_NOT_ALLOWED = "actor_not_allowed"
    BEFORE_OPEN = "before_open"
    OUT_OF_ORDER = "out_of_order"
    NO_INITIAL_CONTACT = "no_initial_contact"
    SEVERITY_UNCHANGED = "severity_unchanged"
    SEVERITY_ABOVE_CAP = "severity_above_cap"
    NO_PENDING_PROPOSAL = "no_pending_proposal"
    INVALID_TRANSITION = "invalid_transition"
    CASE_CLOSED = "case_closed"
    DECISION_FAILED = "decision_failed"
    UNAUTHENTICATED = "unauthenticated"
    SOURCE_NOT_ALLOWED = "source_not_allowed"
    """Not a rule of the contract: Casebook itself failed while deciding on the record (a bug,
    named in the detail by the error's class and message). The record is kept with its bytes
    like every rejection, so it can be fed again once the fault is fixed; the stream goes on."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused message: the contract's code plus a sentence a person can act on."""

    reason: ReasonCode
    detail: str


def failed_decision(error: Exception) -> Rejection:
    """The rejection of a record whose decision raised: what went wrong, for the operator."""
    return Rejection(
        ReasonCode.DECISION_FAILED,
        f"deciding raised {type(error).__name__}: {error}"[:1000].replace("\x00", "\\x00"),
    )
