"""Two engine processes in one consumer group share the work and apply nothing twice.

Two `casebook run` processes with the same settings join the same groups: each gets some
of the intake and events partitions, one of them is the active relay. A generated history is
published while both run; once the views stop changing they equal the offline replay and the
event store holds each case event exactly once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from casebook.settings import Settings
from tests.integration.engine_support import (
    EngineProcess,
    assert_views_equal_replay,
    case_event_records,
    dump_views,
    publish,
    rejected_sources,
    replay_case_events,
    replay_file,
    store_contents,
    topics,
    wait_until_stable,
    write_history,
)
from tooling.histories import generate_history

MESSAGES = 4000


def assigned(engine: EngineProcess, topic: str) -> bool:
    pattern = re.escape(f"TopicPartition(topic='{topic}'")
    return any(
        re.search(pattern, line)
        for line in engine.log().splitlines()
        if "partitions assigned" in line
    )


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_two_engines_share_partitions_and_apply_each_message_once(
    store: str, settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(store, partitions=4, batch_size=100)
    history = tmp_path / "history.jsonl"
    write_history(history, generate_history(MESSAGES, seed=11))
    replay = replay_file(history)
    expected_events = replay_case_events(replay)
    expected_rejected = len(replay.report()["rejected"])
    expected_rows = len(replay.audit.cases) + len(expected_events) + expected_rejected
    names = topics(settings)

    engines = [EngineProcess(settings, tmp_path / f"engine-{n}.log") for n in (1, 2)]
    try:
        for engine in engines:
            wait_for(lambda e=engine: assigned(e, names.intake), 120, "intake partitions")  # type: ignore[misc]
            wait_for(lambda e=engine: assigned(e, names.events), 120, "events partitions")  # type: ignore[misc]
        publish(settings, history)
        started = time.monotonic()
        wait_for(
            lambda: sum(len(rows) for rows in dump_views(settings).values()) >= expected_rows,
            150,
            f"{expected_rows} view rows",
        )
        wait_until_stable(lambda: dump_views(settings), quiet_s=3, timeout_s=60)
        print(f"{MESSAGES} messages through two engines in {time.monotonic() - started:.1f} s")
        for engine in engines:
            assert engine.alive(), engine.log()[-3000:]
    finally:
        codes = [engine.stop() for engine in engines]
    assert codes == [0, 0]

    assert_views_equal_replay(settings, replay)
    contents = store_contents(settings)
    assert contents.case_events == expected_events  # nothing applied twice, nothing missing
    assert contents.dead_letters == expected_rejected
    assert max(rejected_sources(settings).values()) == 1
    assert max(case_event_records(settings).values()) == 1
