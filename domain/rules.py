"""The contract's rules as pure checks: case state + message (+ policy) -> a rejection or None.

Precedence when several rules are broken at once (the contract is silent; this order
answers the most useful question first): unknown_case, case_closed, case_exists,
actor_not_allowed, before_open, out_of_order (contract 1.1 orders case_closed, case_exists
and out_of_order, and puts before_open first of the two time rules), then the rules of the
message's own type.
"""

from __future__ import annotations

from domain.case_state import CaseView
from domain.messages import (
    AwaitingCustomer,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CaseResponded,
    CustomerReplied,
    Envelope,
    SeverityAgreed,
    SeverityDeclined,
    SeverityProposed,
)
from domain.policy import Policy
from domain.reasons import ReasonCode, Rejection
from domain.timefmt import format_instant

ALLOWED_ROLES: dict[type[Envelope], frozenset[str]] = {
    CaseOpened: frozenset({"customer"}),
    CaseResponded: frozenset({"engineer"}),
    SeverityProposed: frozenset({"engineer"}),
    SeverityAgreed: frozenset({"customer"}),
    SeverityDeclined: frozenset({"customer"}),
    CaseResolved: frozenset({"engineer"}),
    CaseReopened: frozenset({"customer"}),
    CustomerReplied: frozenset({"customer"}),
    AwaitingCustomer: frozenset({"engineer"}),
}
ANY_ROLE = frozenset({"customer", "engineer", "system"})


def check_opening(message: CaseOpened, policy: Policy) -> Rejection | None:
    """Rules for a `case.opened` on a case never opened before."""
    if message.actor.role != "customer" or message.actor.id != message.customer.id:
        return Rejection(
            ReasonCode.ACTOR_NOT_ALLOWED,
            f"case.opened must come from the customer itself (actor {message.actor.role} "
            f"{message.actor.id!r}, customer {message.customer.id!r})",
        )
    if message.customer.tier not in policy.eligible_tiers:
        return Rejection(
            ReasonCode.CUSTOMER_NOT_ELIGIBLE,
            f"tier {message.customer.tier!r} is not eligible under policy {policy.id} v{policy.version}",
        )
    return None


def check_message_on_case(case: CaseView, message: Envelope) -> Rejection | None:
    """Rules every message on an existing case must pass, before its type's own rules."""
    if case.status == "closed":
        return Rejection(ReasonCode.CASE_CLOSED, f"case {case.case_id} is closed")
    if isinstance(message, CaseOpened):
        return Rejection(ReasonCode.CASE_EXISTS, f"case {case.case_id} is already open")
    allowed = ALLOWED_ROLES.get(type(message), ANY_ROLE)
    if message.actor.role not in allowed:
        return Rejection(
            ReasonCode.ACTOR_NOT_ALLOWED,
            f"role {message.actor.role!r} may not send {getattr(message, 'type', '?')}",
        )
    if message.actor.role == "customer" and message.actor.id != case.customer_id:
        return Rejection(
            ReasonCode.ACTOR_NOT_ALLOWED,
            f"customer {message.actor.id!r} acts on case {case.case_id} of {case.customer_id!r}",
        )
    if message.at < case.opened_at:
        return Rejection(ReasonCode.BEFORE_OPEN, "message is dated before the case was opened")
    if message.at < case.modified_on:
        # The aggregate's `modified_on` is its latest event's timestamp: the `at` of the
        # case's latest accepted message. Equal instants are in order.
        return Rejection(
            ReasonCode.OUT_OF_ORDER,
            "message is dated before the case's latest accepted message "
            f"({format_instant(case.modified_on)})",
        )
    return None


def check_proposal(case: CaseView, message: SeverityProposed) -> Rejection | None:
    if case.first_response_at is None:
        return Rejection(
            ReasonCode.NO_INITIAL_CONTACT, "severity may change only after the first response"
        )
    if message.severity == case.severity:
        return Rejection(ReasonCode.SEVERITY_UNCHANGED, f"severity is already {case.severity}")
    if case.cap_level is not None and message.severity < case.cap_level:
        return Rejection(
            ReasonCode.SEVERITY_ABOVE_CAP,
            f"severity {message.severity} is above the case's cap of {case.cap_level}",
        )
    return None


def check_decision(case: CaseView, message: SeverityAgreed | SeverityDeclined) -> Rejection | None:
    """A customer's agreement or refusal must answer the pending proposal, and only it."""
    pending = case.pending_proposal
    if pending is None:
        return Rejection(ReasonCode.NO_PENDING_PROPOSAL, "no severity proposal is pending")
    if message.proposal_id is not None and message.proposal_id != pending.proposal_id:
        return Rejection(
            ReasonCode.NO_PENDING_PROPOSAL,
            f"proposal {message.proposal_id!r} is not the pending one ({pending.proposal_id!r})",
        )
    return None


def check_resolution(case: CaseView) -> Rejection | None:
    if case.status == "resolved":
        return Rejection(ReasonCode.INVALID_TRANSITION, "case is already resolved")
    return None


def check_reopening(case: CaseView) -> Rejection | None:
    if case.status != "resolved":
        return Rejection(ReasonCode.INVALID_TRANSITION, f"case is {case.status}, not resolved")
    return None


def check_awaiting(case: CaseView) -> Rejection | None:
    """SLA v2: the desk may wait on the customer of an open case not already waited on."""
    if case.status != "open":
        return Rejection(ReasonCode.INVALID_TRANSITION, f"case is {case.status}, not open")
    if case.awaiting_customer:
        return Rejection(ReasonCode.INVALID_TRANSITION, "case is already awaiting the customer")
    return None
