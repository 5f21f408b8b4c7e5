"""Several `casebook run` processes against the 3-node cluster and one PostgreSQL store:
two, then three, split the partitions; one is SIGKILLed and the others take its share.
The fault suite's oracle at the end: lost 0, doubled 0, views equal the offline replay."""

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


def assigned(engine: EngineProcess) -> int:
    return engine.log().count("partitions assigned")


def test_engines_on_the_cluster_share_one_postgres_store_and_survive_a_kill(
    cluster_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    settings = cluster_settings("postgres", partitions=6, batch_size=50)
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
            timeout_s=120,
            what="first view rows",
            engines=tuple(engines),
        )
        rows = view_rows(settings)
        engines.append(EngineProcess(settings, tmp_path / "engine-3.log"))
        publish(settings, parts[1])
        wait_for(
            lambda: view_rows(settings) > rows and all(assigned(e) for e in engines),
            timeout_s=120,
            what="progress with three, each assigned partitions",
            engines=tuple(engines),
        )
        time.sleep(random.Random(seed).uniform(1.0, 4.0))
        engines[0].kill()
        rows = view_rows(settings)
        publish(settings, parts[2])
        wait_for(
            lambda: view_rows(settings) > rows,
            timeout_s=120,
            what="progress after the kill",
            engines=tuple(engines[1:]),
        )
        time.sleep(3.0)
    finally:
        for engine in engines[1:]:
            engine.stop()
        engines[0].kill()
    run_until_idle(settings)

    counts = check_exactly_once(
        settings,
        history,
        Counts(
            "12 cluster + PostgreSQL: three engines, one SIGKILLed", MESSAGES, kills=1, restarts=1
        ),
    )
    counts.seconds = time.monotonic() - started
    counts.notes = {"assignments_logged": [assigned(e) for e in engines], "seed": seed}
    record_summary(counts)
