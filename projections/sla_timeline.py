"""Compliance over time in one pass over the SLA rows, however many instants are asked for.

A row's status as of T changes only where T reaches its opening, first response or first
close, or passes its due time. So each row is cut at those instants into runs of constant
status, and each run adds one case to its (severity, status) count over a range of points,
kept as a difference array. The work is rows x 4 + points x 20 instead of rows x points,
and each run's status is read with `SlaCase.status` itself, so every point equals the SLA
report as of that instant (a property test holds the two together).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import accumulate
from typing import Any

from projections.sla import SEVERITY_LEVELS, STATUSES, SlaCase, compliance


def timeline_points(rows: Iterable[SlaCase], instants: Sequence[datetime]) -> list[dict[str, Any]]:
    """For each instant (ascending), the report's `total` counts and compliance per severity."""
    size = len(instants)
    diffs: dict[tuple[int, str], list[int]] = {
        (level, status): [0] * (size + 1) for level in SEVERITY_LEVELS for status in STATUSES
    }
    for row in rows:
        for start, end in _runs(row, instants):
            diff = diffs[(row.sla_severity, row.status(instants[start]))]
            diff[start] += 1
            diff[end] -= 1
    counts = {key: list(accumulate(diff))[:size] for key, diff in diffs.items()}
    return [_point(counts, index) for index in range(size)]


def _runs(row: SlaCase, instants: Sequence[datetime]) -> list[tuple[int, int]]:
    """The index ranges [start, end) of `instants` over which the row's status is constant."""
    size = len(instants)
    visible = bisect_left(instants, row.opened_at)
    cuts = {visible, size, bisect_right(instants, row.due_at)}
    for instant in (row.first_response_at, row.closed_at):
        if instant is not None:
            cuts.add(bisect_left(instants, instant))
    ordered = sorted(cut for cut in cuts if cut >= visible)
    return [(start, end) for start, end in zip(ordered, ordered[1:], strict=False) if start < end]


def _point(counts: dict[tuple[int, str], list[int]], index: int) -> dict[str, Any]:
    total: dict[str, int] = {"opened": 0, **{status: 0 for status in STATUSES}}
    by_severity: dict[str, float | None] = {}
    for level in SEVERITY_LEVELS:
        level_counts = {status: counts[(level, status)][index] for status in STATUSES}
        for status, count in level_counts.items():
            total[status] += count
            total["opened"] += count
        by_severity[str(level)] = compliance(level_counts["met"], level_counts["breached"])
    return {
        "total": {**total, "compliance": compliance(total["met"], total["breached"])},
        "by_severity": by_severity,
    }
