"""Scenario 2: the broker stopped (SIGTERM) and restarted mid-stream; the engine resumes alone.

A dedicated broker (its own ports and data dir: stopping the session's broker would break
other tests). The engine (all roles, a subprocess) is never restarted: it must wait the
outage out with its bounded, logged back-off (no busy loop) and finish the history after.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from casebook.settings import Settings
from infra.kafka.broker import LocalBroker
from tests.conftest import CACHE_DIR, TEST_DATA_DIR
from tests.faults.conftest import BOUNCE_KAFKA_PORT, fresh_dir, view_rows, wait_for
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import (
    EngineProcess,
    assert_views_equal_replay,
    publish,
    replay_file,
    write_history,
)
from tooling.histories import generate_history

MESSAGES = 2500
OUTAGE_S = 12.0
RETRY = re.compile(r"retrying in (\d+\.\d) s")


def stamp(line: str) -> float:
    """The epoch time of an engine log line (`2026-01-01 10:00:00,123 LEVEL ...`), or 0."""
    try:
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    except ValueError:
        return 0.0


def test_broker_stopped_and_restarted_mid_stream(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    LocalBroker(  # a broker left running by an interrupted run, on these ports
        TEST_DATA_DIR / "faults" / "bounce-broker",
        BOUNCE_KAFKA_PORT,
        BOUNCE_KAFKA_PORT + 1,
        CACHE_DIR,
    ).stop()
    broker = LocalBroker(
        fresh_dir("bounce-broker"), BOUNCE_KAFKA_PORT, BOUNCE_KAFKA_PORT + 1, CACHE_DIR
    )
    bootstrap = broker.start(timeout=90)
    settings = settings_factory(kafka=False, kafka_bootstrap=bootstrap, partitions=3, batch_size=50)
    lines = list(generate_history(MESSAGES, seed))
    history = tmp_path / "history.jsonl"
    write_history(history, lines)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    write_history(first, lines[: MESSAGES // 2])
    write_history(second, lines[MESSAGES // 2 :])
    engine: EngineProcess | None = None
    try:
        publish(settings, first)
        engine = EngineProcess(settings, tmp_path / "engine.log")
        wait_for(
            lambda: view_rows(settings) > 0, timeout_s=90, what="first view rows", engines=(engine,)
        )
        log_before = len(engine.log().splitlines())
        stopped_at = time.time()
        broker.stop()  # SIGTERM: a clean broker shutdown, mid-stream
        time.sleep(OUTAGE_S)
        outage_lines = engine.log().splitlines()[log_before:]
        broker.start(timeout=90)
        publish(settings, second)
        replay = replay_file(history)

        def settled() -> bool:
            try:
                assert_views_equal_replay(settings, replay)
            except AssertionError:
                return False
            return True

        # The engine resumes by itself (never restarted): poll until its views are complete.
        wait_for(
            settled,
            timeout_s=120,
            what="the engine finishing after the outage",
            engines=(engine,),
            poll_s=3.0,
        )
        assert engine.alive()
    finally:
        if engine is not None:
            engine.stop()
    try:
        counts = check_exactly_once(
            settings, history, Counts("2 broker SIGTERM + restart mid-stream", MESSAGES)
        )
    finally:
        broker.stop()

    warnings = [line for line in outage_lines if " WARNING " in line or " ERROR " in line]
    delays = [float(m.group(1)) for line in warnings if (m := RETRY.search(line))]
    backoffs = [line for line in warnings if "retrying in" in line or "backoff" in line]
    # The second half of the outage: past the burst of "connection lost" lines every client
    # writes when the broker goes, a busy loop would still log hundreds of lines a second.
    late = [line for line in outage_lines if stamp(line) >= stopped_at + OUTAGE_S / 2]
    print(
        f"outage {OUTAGE_S:.0f} s: {len(outage_lines)} log lines, {len(warnings)} warnings "
        f"or errors, {len(late)} in its second half, engine back-off delays {delays}"
    )
    assert backoffs, "no back-off was logged during the outage"
    assert all(delay <= 10.0 for delay in delays)
    assert len(late) / (OUTAGE_S / 2) < 20, f"{len(late)} log lines in {OUTAGE_S / 2:.0f} s"
    counts.restarts = 1
    counts.seconds = time.monotonic() - started
    counts.notes = {
        "outage_s": OUTAGE_S,
        "warnings": len(warnings),
        "log_lines": len(outage_lines),
        "late_lines": len(late),
        "engine_backoffs": delays,
        "seed": seed,
    }
    record_summary(counts)
