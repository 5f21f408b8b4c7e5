"""Fault scenarios: what they share (dedicated server ports, fresh data dirs, timing)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from tests.conftest import TEST_DATA_DIR, TEST_KAFKA_PORT, TEST_POSTGRES_PORT
from tests.integration.engine_support import EngineProcess, dump_views

# Servers a scenario stops and starts get ports of their own, offset from the session's
# (so two sessions with different CASEBOOK_TEST_* ports never collide here either).
BOUNCE_KAFKA_PORT = TEST_KAFKA_PORT + 200
SASL_KAFKA_PORT = TEST_KAFKA_PORT + 300
OUTAGE_POSTGRES_PORT = TEST_POSTGRES_PORT + 100
READINESS_KAFKA_PORT = TEST_KAFKA_PORT + 500


def fresh_dir(name: str) -> Path:
    """An empty directory under the test data dir (a previous run's state removed)."""
    path = TEST_DATA_DIR / "faults" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def view_rows(settings: Settings) -> int:
    return sum(len(rows) for rows in dump_views(settings).values())


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout_s: float,
    what: str,
    engines: tuple[EngineProcess, ...] = (),
    poll_s: float = 0.3,
) -> float:
    """Poll until `condition()`; fail (with the engines' log tails) after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        for engine in engines:
            assert engine.alive(), f"an engine died:\n{engine.log()[-3000:]}"
        assert time.monotonic() - started < timeout_s, f"{what}: not within {timeout_s:.0f} s"
        time.sleep(poll_s)
    return time.monotonic() - started
