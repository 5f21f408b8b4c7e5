"""`/readyz` of each role process through its start, its catch-up and a broker outage.

A broker of its own (stopping the session's would break other tests). The engine (a process
per role) starts on a backlog with a small lag bound: each role answers "not ready" while it
starts, becomes ready only once within the bound, is not ready while the broker is away
(alive all along: `/healthz` keeps answering 200), and ready again once it is back, with
nothing lost: every message of the backlog and of a batch published after is decided.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from infra.kafka.broker import LocalBroker
from tests.conftest import CACHE_DIR, TEST_DATA_DIR
from tests.faults.conftest import READINESS_KAFKA_PORT, fresh_dir, wait_for
from tests.integration.engine_support import EngineProcess, publish, write_history
from tests.integration.operations_support import PROCESSES, free_port_base, get
from tooling.histories import generate_history

BACKLOG = 3000
LATER = 300
MAX_LAG = 20


def probe(base: int) -> dict[str, tuple[int, dict[str, str]]]:
    """Each role process's /readyz: (status, problems); status 0 when nothing answers."""
    answers = {}
    for offset, role in enumerate(PROCESSES):
        status, body = get(f"http://127.0.0.1:{base + offset}/readyz", timeout=2)
        answers[role] = (status, json.loads(body)["problems"] if status else {})
    return answers


def decided(base: int) -> float:
    status, body = get(f"http://127.0.0.1:{base}/metrics")
    assert status == 200
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("casebook_intake_messages_decided_total{")
    )


def intake_lag(base: int) -> float:
    _, body = get(f"http://127.0.0.1:{base}/metrics")
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("casebook_consumer_lag_records{")
    )


def test_readiness_through_start_catch_up_and_a_broker_outage(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    LocalBroker(  # one left running by an interrupted run, on these ports
        TEST_DATA_DIR / "faults" / "readiness-broker",
        READINESS_KAFKA_PORT,
        READINESS_KAFKA_PORT + 1,
        CACHE_DIR,
    ).stop()
    broker = LocalBroker(
        fresh_dir("readiness-broker"), READINESS_KAFKA_PORT, READINESS_KAFKA_PORT + 1, CACHE_DIR
    )
    bootstrap = broker.start(timeout=90)
    base = free_port_base()
    settings = settings_factory(
        kafka=False,
        kafka_bootstrap=bootstrap,
        partitions=3,
        batch_size=20,
        metrics_port=base,
        ready_max_lag=MAX_LAG,
    )
    lines = list(generate_history(BACKLOG + LATER, 7))
    backlog, later = tmp_path / "backlog.jsonl", tmp_path / "later.jsonl"
    write_history(backlog, lines[:BACKLOG])
    write_history(later, lines[BACKLOG:])
    engine: EngineProcess | None = None
    try:
        sent = publish(settings, backlog)
        engine = EngineProcess(settings, tmp_path / "engine.log")
        # Start: each role answers not ready before it answers ready.
        seen: dict[str, list[int]] = {role: [] for role in PROCESSES}
        deadline = time.monotonic() + 120
        while not all(200 in statuses for statuses in seen.values()):
            assert engine.alive(), engine.log()[-3000:]
            assert time.monotonic() < deadline, f"not all ready: {seen}"
            answers = probe(base)
            for role, (status, _) in answers.items():
                if status and 200 not in seen[role]:
                    seen[role].append(status)
                    if status == 200 and role == "intake":
                        # ready only within the bound (the backlog only shrinks from here)
                        assert intake_lag(base) <= MAX_LAG
            time.sleep(0.05)
        for role, statuses in seen.items():
            assert statuses[0] == 503 and statuses[-1] == 200, (role, statuses)
        wait_for(lambda: decided(base) == sent, timeout_s=120, what="backlog", engines=(engine,))

        # The broker goes away: every role not ready, every process alive.
        broker.stop()
        wait_for(
            lambda: all(status == 503 for status, _ in probe(base).values()),
            timeout_s=60,
            what="every role not ready during the outage",
            engines=(engine,),
        )
        problems = {role: problem for role, (_, problem) in probe(base).items()}
        for role, problem in problems.items():
            text = " ".join(problem.values())
            assert "coordinator" in text or "retrying" in text or "behind" in text, (role, problem)
        for offset in range(len(PROCESSES)):
            assert get(f"http://127.0.0.1:{base + offset}/healthz")[0] == 200

        # Back: ready again, and nothing lost.
        broker.start(timeout=90)
        wait_for(
            lambda: all(status == 200 for status, _ in probe(base).values()),
            timeout_s=120,
            what="every role ready after the outage",
            engines=(engine,),
        )
        sent += publish(settings, later)
        wait_for(
            lambda: decided(base) == sent, timeout_s=120, what="later batch", engines=(engine,)
        )
        assert engine.stop() == 0
        engine = None
    finally:
        if engine is not None:
            engine.kill()
        broker.stop()
