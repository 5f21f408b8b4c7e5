"""A large noisy history (100k+ lines) replays to exactly the report it was written for."""

from __future__ import annotations

import time
from datetime import timedelta

from tooling.histories import build_history

from .support import contract_fields, replay

LINES = 100_000


def test_a_100k_line_history_with_noise_replays_correctly() -> None:
    history = build_history(LINES, seed=20260901)
    expected = history.expected
    assert expected.lines == LINES and expected.duplicates > 1000
    by_reason = expected.rejections_by_reason()
    assert len(by_reason) == 13, f"every reason code occurs: {sorted(by_reason)}"

    started = time.perf_counter()
    result = replay(history.lines)
    seconds = time.perf_counter() - started
    print(f"\nreplayed {LINES} lines ({len(expected.cases)} cases) in {seconds:.2f} s")

    produced = result.report()
    assert contract_fields(produced) == expected.report()
    assert {"met", "breached", "void"} <= set(expected.statuses().values())

    midway = min(c.opened_at for c in expected.cases.values()) + timedelta(days=30)
    assert contract_fields(result.report(midway)) == expected.report(midway)
    assert "pending" in expected.statuses(midway).values()
