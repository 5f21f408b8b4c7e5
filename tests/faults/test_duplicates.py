"""Scenario 4: duplicates near and far are applied once.

The generated history already re-sends messages (some right after, some much later); on
top of that a slice of it is re-published after the engine has processed everything.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import publish, run_until_idle, write_history
from tooling.histories import generate_history

MESSAGES = 2000
SLICE = slice(200, 700)


def test_duplicates_near_and_far_are_applied_once(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    settings = settings_factory(partitions=3, batch_size=50)
    lines = list(generate_history(MESSAGES, seed))
    first, again, everything = (tmp_path / n for n in ("first.jsonl", "again.jsonl", "all.jsonl"))
    write_history(first, lines)
    write_history(again, lines[SLICE])
    write_history(everything, lines + lines[SLICE])

    publish(settings, first)
    run_until_idle(settings)
    publish(settings, again)  # far: long after the originals were applied
    run_until_idle(settings)

    counts = check_exactly_once(
        settings, everything, Counts("4 duplicates near and far", MESSAGES + len(lines[SLICE]))
    )
    counts.seconds = time.monotonic() - started
    counts.notes = {"republished": len(lines[SLICE]), "seed": seed}
    assert counts.duplicates_seen >= len(lines[SLICE])
    record_summary(counts)
