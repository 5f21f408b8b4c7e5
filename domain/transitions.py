"""The Case's status transitions (resolve, reopen, and SLA v2's wait on the customer), each a
rule's check and then its event, apart from the aggregate's module."""

from __future__ import annotations

from typing import Any, Protocol, cast

from domain import rules
from domain.case_state import CaseView
from domain.messages import AwaitingCustomer, CaseReopened, CaseResolved, Envelope
from domain.reasons import Rejection


class _Case(CaseView, Protocol):
    """What the transitions use of the `Case` (which mixes them in)."""

    Resolved: type[Any]
    Reopened: type[Any]
    AwaitingCustomer: type[Any]

    def _record(self, event_class: type[Any], message: Envelope, **data: Any) -> None: ...


class Transitions:
    """Mixed into `Case`."""

    def _resolve(self, message: CaseResolved) -> Rejection | None:
        case = cast("_Case", self)
        rejection = rules.check_resolution(case)
        if rejection is None:
            case._record(case.Resolved, message)
        return rejection

    def _reopen(self, message: CaseReopened) -> Rejection | None:
        case = cast("_Case", self)
        rejection = rules.check_reopening(case)
        if rejection is None:
            case._record(case.Reopened, message)
        return rejection

    def _await_customer(self, message: AwaitingCustomer) -> Rejection | None:
        case = cast("_Case", self)
        rejection = rules.check_awaiting(case)
        if rejection is None:
            case._record(case.AwaitingCustomer, message, reason=message.reason)
        return rejection
