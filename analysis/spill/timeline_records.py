"""An evicted case's metrics timeline (SLA v2) as a flat tuple of plain values
(`analysis.spill.plain`), written beside its SLA row and audit record."""

from __future__ import annotations

from typing import Any

from analysis.spill.plain import Unplain, instant, plain_or_pickled, unpack, us
from projections.timelines import CaseTimeline


def dump_timeline(timeline: CaseTimeline) -> bytes:
    return plain_or_pickled(_timeline_fields, timeline)


def load_timeline(blob: bytes) -> CaseTimeline:
    loaded: CaseTimeline = unpack(blob, _timeline_from_fields)
    return loaded


def _timeline_fields(timeline: CaseTimeline) -> tuple[Any, ...]:
    if type(timeline) is not CaseTimeline:
        raise Unplain(timeline)
    return (
        timeline.case_id,
        us(timeline.opened_at),
        timeline.severity,
        timeline.calendar_id,
        timeline.calendar_hash,
        timeline.customer_id,
        tuple((us(at), severity) for at, severity in timeline.changes),
        tuple((us(at), kind) for at, kind in timeline.entries),
    )


def _timeline_from_fields(fields: tuple[Any, ...]) -> CaseTimeline:
    case_id, opened_us, severity, calendar_id, calendar_hash, customer_id, changes, entries = fields
    return CaseTimeline(
        case_id,
        instant(opened_us),
        severity,
        calendar_id,
        calendar_hash,
        customer_id,
        [(instant(at), to_severity) for at, to_severity in changes],
        [(instant(at), kind) for at, kind in entries],
    )
