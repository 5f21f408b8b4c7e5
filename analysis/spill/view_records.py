"""An evicted case's SLA row and audit record as flat tuples of plain values
(`analysis.spill.plain`)."""

from __future__ import annotations

from typing import Any

from analysis.spill.plain import (
    Unplain,
    instant,
    instant_or_none,
    plain_or_pickled,
    unpack,
    us,
    us_or_none,
)
from projections.audit import CaseAudit, SeverityChange
from projections.sla import SlaCase

# The SLA row ---------------------------------------------------------------------------


def dump_sla(row: SlaCase) -> bytes:
    return plain_or_pickled(_sla_fields, row)


def load_sla(blob: bytes) -> SlaCase:
    loaded: SlaCase = unpack(blob, _sla_from_fields)
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
        None if row.warn_at is None else (us(row.warn_at[0]), us(row.warn_at[1])),
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
        warn_at,
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
        None if warn_at is None else (instant(warn_at[0]), instant(warn_at[1])),
    )


# The audit record ----------------------------------------------------------------------


def dump_audit(audit: CaseAudit) -> bytes:
    return plain_or_pickled(_audit_fields, audit)


def load_audit(blob: bytes) -> CaseAudit:
    loaded: CaseAudit = unpack(blob, _audit_from_fields)
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
