"""An evicted `Case` aggregate as a flat tuple of plain values (`analysis.spill.plain`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from analysis.spill.plain import (
    Unplain,
    instant,
    instant_or_none,
    plain_or_pickled,
    unpack,
    us,
    us_or_none,
)
from domain.case import Case
from domain.case_state import PendingProposal

CASE_STATE = frozenset(
    {
        "_id",
        "_version",
        "_created_on",
        "_modified_on",
        "_pending_events",
        "case_id",
        "customer_id",
        "requested_severity",
        "sla_severity",
        "severity",
        "cap_level",
        "first_response_at",
        "status",
        "pending_proposal",
        "awaiting_customer",
        "chain_head",
        "opened_at",
        "due_at",
    }
)
"""The attributes of a `Case` this layout holds; a case with others is pickled."""


def dump_case(case: Case) -> bytes:
    return plain_or_pickled(_case_fields, case)


def load_case(blob: bytes) -> Case:
    loaded: Case = unpack(blob, _case_from_fields)
    return loaded


def _case_fields(case: Case) -> tuple[Any, ...]:
    state = case.__dict__
    if type(case) is not Case or state.keys() != CASE_STATE or state["_pending_events"]:
        raise Unplain(case)
    proposal = state["pending_proposal"]
    return (
        state["_id"].int,
        state["_version"],
        us(state["_created_on"]),
        us(state["_modified_on"]),
        state["case_id"],
        state["customer_id"],
        state["requested_severity"],
        state["sla_severity"],
        state["severity"],
        state["cap_level"],
        us_or_none(state["first_response_at"]),
        state["status"],
        None if proposal is None else _proposal_fields(proposal),
        state["awaiting_customer"],
        state["chain_head"],
        us(state["opened_at"]),
        us(state["due_at"]),
    )


def _proposal_fields(proposal: PendingProposal) -> tuple[Any, ...]:
    if type(proposal) is not PendingProposal:
        raise Unplain(proposal)
    return (
        proposal.proposal_id,
        proposal.from_severity,
        proposal.to_severity,
        proposal.proposed_by,
        us(proposal.proposed_at),
    )


def _case_from_fields(fields: tuple[Any, ...]) -> Case:
    (
        aggregate_id,
        version,
        created_us,
        modified_us,
        case_id,
        customer_id,
        requested_severity,
        sla_severity,
        severity,
        cap_level,
        first_response_us,
        status,
        proposal,
        awaiting_customer,
        chain_head,
        opened_us,
        due_us,
    ) = fields
    case = Case.__new__(Case)  # as pickle would: the state is set, not re-derived
    case.__dict__.update(
        _id=UUID(int=aggregate_id),
        _version=version,
        _created_on=instant(created_us),
        _modified_on=instant(modified_us),
        _pending_events=[],
        case_id=case_id,
        customer_id=customer_id,
        requested_severity=requested_severity,
        sla_severity=sla_severity,
        severity=severity,
        cap_level=cap_level,
        first_response_at=instant_or_none(first_response_us),
        status=status,
        pending_proposal=None if proposal is None else _proposal_from_fields(proposal),
        awaiting_customer=awaiting_customer,
        chain_head=chain_head,
        opened_at=instant(opened_us),
        due_at=instant(due_us),
    )
    return case


def _proposal_from_fields(fields: tuple[Any, ...]) -> PendingProposal:
    proposal_id, from_severity, to_severity, proposed_by, proposed_us = fields
    return PendingProposal(
        proposal_id, from_severity, to_severity, proposed_by, instant(proposed_us)
    )
