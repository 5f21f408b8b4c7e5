"""The Case's decisions on severity changes (contract: an engineer proposes after initial
contact, the case's own customer agrees or declines), apart from the aggregate's module."""

from __future__ import annotations

from typing import Any, Protocol, cast

from domain import rules
from domain.case_state import CaseView
from domain.messages import Envelope
from domain.messages import SeverityAgreed as AgreedMessage
from domain.messages import SeverityDeclined as DeclinedMessage
from domain.messages import SeverityProposed as ProposedMessage
from domain.reasons import Rejection


class _Case(CaseView, Protocol):
    """What the decisions use of the `Case` (which mixes them in)."""

    SeverityProposalSuperseded: type[Any]
    SeverityProposed: type[Any]
    SeverityAgreed: type[Any]
    SeverityDeclined: type[Any]

    def _record(self, event_class: type[Any], message: Envelope, **data: Any) -> None: ...


class SeverityChanges:
    """Mixed into `Case`: proposals and the customer's decisions on them."""

    def _propose(self, message: ProposedMessage) -> Rejection | None:
        case = cast("_Case", self)
        rejection = rules.check_proposal(case, message)
        if rejection is not None:
            return rejection
        proposal_id = message.effective_proposal_id
        if case.pending_proposal is not None:
            case._record(
                case.SeverityProposalSuperseded,
                message,
                proposal_id=case.pending_proposal.proposal_id,
                superseded_by=proposal_id,
            )
        case._record(
            case.SeverityProposed,
            message,
            proposal_id=proposal_id,
            from_severity=case.severity,
            to_severity=message.severity,
            reason=message.reason,
        )
        return None

    def _decide(self, message: AgreedMessage | DeclinedMessage) -> Rejection | None:
        case = cast("_Case", self)
        rejection = rules.check_decision(case, message)
        if rejection is not None:
            return rejection
        pending = case.pending_proposal
        assert pending is not None  # check_decision guarantees it
        if isinstance(message, AgreedMessage):
            case._record(
                case.SeverityAgreed,
                message,
                proposal_id=pending.proposal_id,
                from_severity=case.severity,
                to_severity=pending.to_severity,
            )
        else:
            case._record(
                case.SeverityDeclined,
                message,
                proposal_id=pending.proposal_id,
                severity=case.severity,
            )
        return None
