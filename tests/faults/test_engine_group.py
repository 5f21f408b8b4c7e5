"""Scenario 6: two, then three engine instances (all roles) in one group; one added, one killed.

Two engines share the partitions; mid-stream a third joins (a rebalance hands partitions
over), later one of the first two is SIGKILLed (its partitions move once its session
expires). Every new owner must resume at the stored position: nothing applied twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from tests.faults.conftest import view_rows, wait_for
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import (
    EngineProcess,
    publish,
    run_until_idle,
    write_history,
)
from tooling.histories import generate_history

MESSAGES = 3000


def test_engines_join_and_die_mid_stream_without_double_application(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    settings = settings_factory(partitions=3, batch_size=50)
    lines = list(generate_history(MESSAGES, seed))
    history = tmp_path / "history.jsonl"
    write_history(history, lines)
    parts = [tmp_path / f"part-{n}.jsonl" for n in range(3)]
    for n, part in enumerate(parts):
        write_history(part, lines[n * MESSAGES // 3 : (n + 1) * MESSAGES // 3])

    publish(settings, parts[0])
    engines = [EngineProcess(settings, tmp_path / f"engine-{n}.log") for n in (1, 2)]
    try:
        wait_for(
            lambda: view_rows(settings) > 0,
            timeout_s=90,
            what="first view rows",
            engines=tuple(engines),
        )
        # Counted before the next part goes out: counted after, the views could already
        # hold all of it (two engines take 1,000 messages in a second or two), and the
        # wait below would wait for progress that had already happened.
        rows = view_rows(settings)
        engines.append(EngineProcess(settings, tmp_path / "engine-3.log"))  # a rebalance
        publish(settings, parts[1])
        wait_for(
            lambda: view_rows(settings) > rows,
            timeout_s=90,
            what="progress with three",
            engines=tuple(engines),
        )
        time.sleep(random.Random(seed).uniform(1.0, 4.0))
        engines[0].kill()  # SIGKILL one of the first two mid-stream
        rows = view_rows(settings)
        publish(settings, parts[2])
        wait_for(
            lambda: view_rows(settings) > rows,
            timeout_s=90,
            what="progress after the kill",
            engines=tuple(engines[1:]),
        )
        time.sleep(3.0)
    finally:
        for engine in engines[1:]:
            engine.stop()
        engines[0].kill()
    run_until_idle(settings)  # whatever the survivors left, from the stored positions

    logs = "\n".join(engine.log() for engine in engines)
    counts = check_exactly_once(
        settings,
        history,
        Counts(
            "6 three engines in one group: one joins, one SIGKILLed", MESSAGES, kills=1, restarts=1
        ),
    )
    counts.seconds = time.monotonic() - started
    counts.notes = {"assignments_logged": logs.count("partitions assigned"), "seed": seed}
    record_summary(counts)
