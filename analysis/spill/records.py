"""How an evicted case is written to the scratch file: flat tuples of plain values, `marshal`led.

Pickling a case with its SLA row and audit record cost more than deciding on its messages
(most of it in the generic reduction of every `datetime`); a tuple of strings and integers,
instants as whole microseconds, is about five times cheaper to write. A value of a shape
this module does not know (another time zone, an attribute the aggregate did not have
when it was written) is not squeezed in: that record is pickled whole instead.
"""

from __future__ import annotations

import marshal
import pickle
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from analysis.spill.scratch import EPOCH, ONE_MICROSECOND
from domain.case import Case, PendingProposal
from projections.audit import CaseAudit, SeverityChange
from projections.sla import SlaCase

PLAIN, PICKLED = b"m", b"p"
"""The first byte of a record: the marshalled layout below, or a pickle of the object."""

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
        "chain_head",
        "opened_at",
        "due_at",
    }
)
"""The attributes of a `Case` this layout holds; a case with others is pickled."""


class Unplain(Exception):
    """A value the plain layout cannot hold exactly."""


def us(instant: datetime) -> int:
    """A UTC instant as microseconds since 1970 (another zone would not come back the same)."""
    if instant.tzinfo is not UTC:
        raise Unplain(instant)
    return (instant - EPOCH) // ONE_MICROSECOND


def us_or_none(instant: datetime | None) -> int | None:
    return None if instant is None else us(instant)


def instant(micros: int) -> datetime:
    return EPOCH + micros * ONE_MICROSECOND


def instant_or_none(micros: int | None) -> datetime | None:
    return None if micros is None else EPOCH + micros * ONE_MICROSECOND


def _plain_or_pickled(pack: Any, value: Any) -> bytes:
    try:
        return PLAIN + marshal.dumps(pack(value))
    except (Unplain, ValueError, TypeError, AttributeError):
        return PICKLED + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(blob: bytes, build: Any) -> Any:
    if blob[:1] == PICKLED:
        return pickle.loads(blob[1:])
    return build(marshal.loads(blob[1:]))


# The aggregate -------------------------------------------------------------------------


def dump_case(case: Case) -> bytes:
    return _plain_or_pickled(_case_fields, case)


def load_case(blob: bytes) -> Case:
    loaded: Case = _unpack(blob, _case_from_fields)
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


# The SLA row ---------------------------------------------------------------------------


def dump_sla(row: SlaCase) -> bytes:
    return _plain_or_pickled(_sla_fields, row)


def load_sla(blob: bytes) -> SlaCase:
    loaded: SlaCase = _unpack(blob, _sla_from_fields)
    return loaded


def _sla_fields(row: SlaCase) -> tuple[Any, ...]:
    if type(row) is not SlaCase:
        raise Unplain(row)
    return (
        row.case_id,
        row.customer_id,
        row.sla_severity,
        row.requested_severity,
        us(row.opened_at),
        us(row.due_at),
        us_or_none(row.first_response_at),
        us_or_none(row.closed_at),
        tuple((us(at), severity) for at, severity in row.severity_changes),
        row.version,
    )


def _sla_from_fields(fields: tuple[Any, ...]) -> SlaCase:
    (
        case_id,
        customer_id,
        sla_severity,
        requested_severity,
        opened_us,
        due_us,
        first_response_us,
        closed_us,
        changes,
        version,
    ) = fields
    return SlaCase(
        case_id,
        customer_id,
        sla_severity,
        requested_severity,
        instant(opened_us),
        instant(due_us),
        instant_or_none(first_response_us),
        instant_or_none(closed_us),
        [(instant(at), severity) for at, severity in changes],
        version,
    )


# The audit record ----------------------------------------------------------------------


def dump_audit(audit: CaseAudit) -> bytes:
    return _plain_or_pickled(_audit_fields, audit)


def load_audit(blob: bytes) -> CaseAudit:
    loaded: CaseAudit = _unpack(blob, _audit_from_fields)
    return loaded


def _audit_fields(audit: CaseAudit) -> tuple[Any, ...]:
    if type(audit) is not CaseAudit or audit.events:
        raise Unplain(audit)  # the bounded replay keeps no per-event entries
    return (
        audit.case_id,
        audit.customer_id,
        us(audit.opened_at),
        tuple(_change_fields(change) for change in audit.severity_changes),
        audit.version,
    )


def _change_fields(change: SeverityChange) -> tuple[Any, ...]:
    if type(change) is not SeverityChange:
        raise Unplain(change)
    return (
        change.proposal_id,
        change.from_severity,
        change.to_severity,
        change.proposed_by,
        us(change.proposed_at),
        change.reason,
        change.outcome,
        change.decided_by,
        us_or_none(change.decided_at),
        change.superseded_by,
    )


def _audit_from_fields(fields: tuple[Any, ...]) -> CaseAudit:
    case_id, customer_id, opened_us, changes, version = fields
    return CaseAudit(
        case_id,
        customer_id,
        instant(opened_us),
        [],
        [_change_from_fields(change) for change in changes],
        version,
    )


def _change_from_fields(fields: tuple[Any, ...]) -> SeverityChange:
    (
        proposal_id,
        from_severity,
        to_severity,
        proposed_by,
        proposed_us,
        reason,
        outcome,
        decided_by,
        decided_us,
        superseded_by,
    ) = fields
    return SeverityChange(
        proposal_id,
        from_severity,
        to_severity,
        proposed_by,
        instant(proposed_us),
        reason,
        outcome,
        decided_by,
        instant_or_none(decided_us),
        superseded_by,
    )
