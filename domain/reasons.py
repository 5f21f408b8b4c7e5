"""Why a message was refused: the contract's reason codes, and a rejection as a value.

A rejection is data the caller routes (to the rejected topic, into the report), never an
exception: a poison message must not be able to stop the stream it arrived on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    """The reason codes of the intake contract, version 1 (nothing else is ever emitted)."""

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


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused message: the contract's code plus a sentence a person can act on."""

    reason: ReasonCode
    detail: str
