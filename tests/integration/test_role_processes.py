"""`casebook run` with a process per role: same answers, stopped together, never orphaned.

The supervisor (`RoleProcesses`) spawns the intake, relay and projections as processes of
their own on the real broker. It must decide `--until-idle` from what they all report, stop
the others when one dies (and say which), and its children must not outlive it when it is
SIGKILLed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from casebook.role_processes import RoleProcesses, RoleProcessFailed
from casebook.settings import Settings
from casebook.wiring import ROLES
from tests.integration.engine_support import (
    ROOT,
    SAMPLES,
    assert_views_equal_replay,
    command,
    publish,
    replay_file,
    settings_env,
)

HISTORY = SAMPLES / "history-small.jsonl"


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_role_processes_run_until_idle_and_give_the_replays_answers(
    settings_factory: Callable[..., Settings],
) -> None:
    settings = settings_factory()
    publish(settings, HISTORY)
    engine = RoleProcesses(settings, ROLES)
    engine.run(until_idle=True)
    assert_views_equal_replay(settings, replay_file(HISTORY))
    assert set(engine.peak_rss_kb) == set(ROLES)
    assert all(kb is not None and kb > 10_000 for kb in engine.peak_rss_kb.values())
    assert not multiprocessing.active_children()


def test_a_role_process_that_dies_stops_the_others_and_is_named(
    settings_factory: Callable[..., Settings],
) -> None:
    settings = settings_factory()
    engine = RoleProcesses(settings, ROLES)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            engine.run()
        except BaseException as error:  # noqa: BLE001 - examined below
            failure.append(error)

    supervisor = threading.Thread(target=run)
    supervisor.start()
    wait_for(lambda: len(multiprocessing.active_children()) == len(ROLES), 60, "role processes")
    relay = next(p for p in multiprocessing.active_children() if p.name == "casebook-relay")
    time.sleep(2)  # let it get to work
    assert relay.pid is not None
    os.kill(relay.pid, signal.SIGKILL)
    supervisor.join(90)
    assert not supervisor.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], RoleProcessFailed)
    assert "relay" in str(failure[0]) and str(-signal.SIGKILL) in str(failure[0])
    assert not multiprocessing.active_children()


def test_role_processes_do_not_outlive_a_killed_supervisor(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory()
    with (tmp_path / "engine.log").open("wb") as log:
        engine = subprocess.Popen(
            command("run"), env=settings_env(settings), cwd=ROOT, stdout=log, stderr=log
        )
        try:
            wait_for(lambda: len(children_of(engine.pid)) >= len(ROLES), 60, "role processes")
            roles = children_of(engine.pid)
            engine.send_signal(signal.SIGKILL)
            engine.wait(30)
            wait_for(lambda: not any(alive(pid) for pid in roles), 30, "orphans to stop")
        finally:
            if engine.poll() is None:
                engine.kill()
                engine.wait(30)
    assert "supervising process is gone" in (tmp_path / "engine.log").read_text()
