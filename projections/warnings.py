"""Breach warnings: a case passed 50 % or 75 % of its time to first response, or breached.

Pure: a row of the SLA view and an instant in, the warnings due by then out. Each warning
is dated at its threshold (the event time it describes), not at the moment it is noticed,
and is keyed by (case, level) so that recording it twice is impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.timefmt import format_instant
from projections.sla import SlaCase

LEVELS: tuple[tuple[int, float, str], ...] = (
    (1, 0.5, "half_time_passed"),
    (2, 0.75, "three_quarter_time_passed"),
    (3, 1.0, "breached"),
)
FINAL_LEVEL = LEVELS[-1][0]


@dataclass(frozen=True)
class SlaWarning:
    case_id: str
    customer_id: str
    sla_severity: int
    level: int
    kind: str
    at: datetime
    due_at: datetime

    @property
    def warning_id(self) -> str:
        return f"{self.case_id}|{self.level}"

    def to_wire(self) -> dict[str, Any]:
        return {
            "schema": "casebook.sla-warning/v1",
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "sla_severity": self.sla_severity,
            "level": self.level,
            "kind": self.kind,
            "at": format_instant(self.at),
            "due_at": format_instant(self.due_at),
        }


def threshold_instant(row: SlaCase, fraction: float) -> datetime:
    """Where the share of the target falls: in the case's business time when its opening
    recorded the thresholds (SLA v2), else that share of the real time to `due_at`."""
    if row.warn_at is not None and fraction < 1:
        return row.warn_at[0] if fraction == 0.5 else row.warn_at[1]
    return row.opened_at + (row.due_at - row.opened_at) * fraction


def due_warnings(row: SlaCase, now: datetime, warned_level: int = 0) -> list[SlaWarning]:
    """Warnings above `warned_level` that are due at `now`, in level order.

    A threshold is passed once `now` reaches it (the breach: once `now` is past `due_at`, as
    a response exactly at `due_at` is met). It warns only if, by then, the case had neither
    a first response nor was closed (closed unanswered before due, no response was owed).
    """
    warnings = []
    for level, fraction, kind in LEVELS:
        if level <= warned_level:
            continue
        at = threshold_instant(row, fraction)
        reached = now > at if kind == "breached" else now >= at
        if not reached:
            break
        if row.first_response_at is not None and row.first_response_at <= at:
            break
        if row.closed_at is not None and row.closed_at <= at:
            break
        warnings.append(
            SlaWarning(row.case_id, row.customer_id, row.sla_severity, level, kind, at, row.due_at)
        )
    return warnings


def next_check_at(row: SlaCase, warned_level: int = 0) -> datetime | None:
    """The first instant at which a warning above `warned_level` could become due, or None
    when none ever can (answered or closed before its threshold, or every level warned).

    Lets the warnings scan visit only the cases whose instant has come instead of every open
    case each time: what `due_warnings` would return later is never due before this.
    """
    for level, fraction, _ in LEVELS:
        if level <= warned_level:
            continue
        at = threshold_instant(row, fraction)
        if row.first_response_at is not None and row.first_response_at <= at:
            return None
        if row.closed_at is not None and row.closed_at <= at:
            return None
        return at
    return None
