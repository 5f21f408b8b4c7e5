"""The pure parts of the bench: the parse floor, percentiles, rates and ratios."""

from __future__ import annotations

import json
import math
import resource
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def parse_floor(lines: Iterable[bytes]) -> dict[str | None, list[Any]]:
    """The least any replay must do: read each line, `json.loads` it, append it to its case.

    Lines that are not JSON are skipped; documents without a string `case_id` go under None.
    """
    cases: dict[str | None, list[Any]] = defaultdict(list)
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        case_id = document.get("case_id") if isinstance(document, dict) else None
        cases[case_id if isinstance(case_id, str) else None].append(document)
    return cases


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between ranks; None when empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(count: int, seconds: float) -> float | None:
    """Items per second, or None when nothing was timed."""
    return count / seconds if seconds > 0 else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def growth(before: float | None, after: float | None) -> float | None:
    """Relative change from `before` to `after` (0.1 is 10 % more)."""
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before


def peak_rss_kb() -> int:
    """This process's peak resident set size in KiB: VmHWM of its own address space.

    Not `ru_maxrss`: Linux carries the forking parent's high-water mark across fork and
    exec into it, so a small child of a big parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
