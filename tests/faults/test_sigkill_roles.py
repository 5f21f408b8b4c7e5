"""Scenario 1 (and 7): intake, relay and projections as three processes, SIGKILLed at random.

Half the history is published, the three `casebook run --role X` processes start, and at
random moments one of them (chosen at random) is SIGKILLed and started again, while the
second half is published mid-run. Then the views are rebuilt from zero (`casebook rebuild`)
and must equal the live views row for row.
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
    casebook,
    dump_views,
    publish,
    run_until_idle,
    write_history,
)
from tooling.histories import generate_history

MESSAGES = 3000
KILLS = 6
ROLES = ("intake", "relay", "projections")


def test_sigkill_each_role_process_at_random(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    chance = random.Random(seed)
    settings = settings_factory(partitions=3, batch_size=50)
    lines = list(generate_history(MESSAGES, seed))
    history = tmp_path / "history.jsonl"
    write_history(history, lines)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    write_history(first, lines[: MESSAGES // 2])
    write_history(second, lines[MESSAGES // 2 :])
    publish(settings, first)

    starts = dict.fromkeys(ROLES, 0)

    def start(role: str) -> EngineProcess:
        starts[role] += 1
        return EngineProcess(settings, tmp_path / f"{role}-{starts[role]}.log", "--role", role)

    engines = {role: start(role) for role in ROLES}
    kills: list[str] = []
    try:
        wait_for(
            lambda: view_rows(settings) > 0,
            timeout_s=90,
            what="first view rows",
            engines=tuple(engines.values()),
        )
        for kill in range(KILLS):
            if kill == KILLS // 2:
                publish(settings, second)
            time.sleep(chance.uniform(0.5, 3.0))
            role = chance.choice(ROLES)
            assert engines[role].alive(), engines[role].log()[-3000:]
            engines[role].kill()
            kills.append(role)
            engines[role] = start(role)
            print(f"kill {kill + 1}: {role}, {view_rows(settings)} view rows")
    finally:
        for engine in engines.values():
            engine.kill()
    run_until_idle(settings)

    counts = check_exactly_once(
        settings,
        history,
        Counts(
            "1 SIGKILL intake/relay/projections processes",
            MESSAGES,
            kills=len(kills),
            restarts=len(kills),
            notes={"killed": kills, "seed": seed},
        ),
    )
    counts.seconds = time.monotonic() - started
    record_summary(counts)

    # 7: the views rebuilt from zero equal the live views, row for row.
    rebuild_started = time.monotonic()
    live = dump_views(settings)
    casebook(settings, "rebuild")
    rebuilt = dump_views(settings)
    assert rebuilt == live
    record_summary(
        Counts(
            "7 rebuild from zero after the kills = live views",
            MESSAGES,
            duplicates_seen=counts.duplicates_seen,
            accepted_events=counts.accepted_events,
            rejected=counts.rejected,
            seconds=time.monotonic() - rebuild_started,
            notes={"rows": sum(len(rows) for rows in live.values())},
        )
    )
