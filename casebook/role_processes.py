"""The engine's roles as processes of their own, started and stopped together.

In one process the intake, relay and projection threads share one interpreter lock: they
take turns on one core, and each SQLite call or socket write waits for the others' turn.
As processes they use every core the machine has, exactly as `casebook run --role ...`
started by hand (or by a process manager) would; nothing about their coordination changes,
since it was never in memory: positions live in the stores and on Kafka, and the relay is
elected through its group. This supervisor only starts them, reports their progress, stops
them all when one fails, and decides `--until-idle` from what they all say.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from casebook.logs import configure_logging
from casebook.operations import start_operations
from casebook.settings import Settings
from casebook.wiring import Engine, prepare_stores
from consumers.supervision import IDLE_CHECK_S, tune_gc

log = logging.getLogger(__name__)

STOP_GRACE_S = 30.0
WATCH_S = 0.1


def start_method() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    """Fork when this process has only its main thread: the children start with everything
    imported (a second or more sooner). With other threads alive (Kafka clients, a caller's
    own), a fork would copy their locks in whatever state they were: spawn instead."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class RoleProcessFailed(RuntimeError):
    """A role's process ended on its own; the others were stopped."""


@dataclass
class Child:
    role: str
    process: multiprocessing.process.BaseProcess
    idle: Any  # RawValue("b")
    progress: Any  # RawValue("q")


def run_role(
    settings: Settings, role: str, stop: Any, idle: Any, progress: Any, log_level: int
) -> None:
    """A child: one role's engine until the parent says stop, or the parent is gone.

    The flags it shares with the parent are lock-free (`RawValue`, one writer each): a
    process killed while holding a shared lock would leave it held for good.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    terminated = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: terminated.set())
    # A forked child has the parent's handlers: replaced, to name its own role in each line.
    configure_logging(settings.log_format, role, settings.secret_values(), level=log_level)
    local_stop = threading.Event()
    parent = multiprocessing.parent_process()

    def watch() -> None:
        while not (stop.value or terminated.wait(WATCH_S)):
            if parent is not None and not parent.is_alive():
                log.warning("%s: the supervising process is gone; stopping", role)
                break
        local_stop.set()

    threading.Thread(target=watch, name="casebook-stop-watch", daemon=True).start()

    def report(all_idle: bool, done: int) -> None:
        idle.value = all_idle
        progress.value = done

    engine = Engine(settings, (role,), prepared=True)
    server = start_operations(settings, (role,), engine.readiness)
    tune_gc()
    try:
        engine.run(stop=local_stop, on_status=report)
    finally:
        if server is not None:
            server.close()


class RoleProcesses:
    """`Engine` with the same `run()`, each role in a process of its own."""

    def __init__(self, settings: Settings, roles: Sequence[str]) -> None:
        prepare_stores(settings)  # once, before the children open the stores in parallel
        self._settings = settings
        self._roles = tuple(roles)
        self.peak_rss_kb: dict[str, int | None] = {}  # per role, as the run ended

    def run(
        self,
        *,
        until_idle: bool = False,
        stop: threading.Event | None = None,
        on_progress: Callable[[int], object] | None = None,
        on_started: Callable[[], object] | None = None,
    ) -> None:
        """As `Engine.run`; `on_started` is called once every role's process is started (a
        caller's own threads started before would make the children spawned, not forked)."""
        stop = stop or threading.Event()
        context = start_method()
        stop_children = context.RawValue("b", 0)
        level = logging.getLogger().getEffectiveLevel()
        children = []
        for role in self._roles:
            idle, progress = context.RawValue("b", 0), context.RawValue("q", 0)
            process = context.Process(
                target=run_role,
                args=(self._settings, role, stop_children, idle, progress, level),
                name=f"casebook-{role}",
            )
            process.start()
            children.append(Child(role, process, idle, progress))
        if on_started is not None:
            on_started()
        failed: Child | None = None
        reported = quiet_checks = 0
        try:
            while not stop.wait(IDLE_CHECK_S):
                failed = next((c for c in children if not c.process.is_alive()), None)
                if failed is not None:
                    break
                total = sum(child.progress.value for child in children)
                if on_progress is not None and total > reported:
                    on_progress(total - reported)
                moved, reported = total != reported, total
                if until_idle:
                    all_idle = all(child.idle.value for child in children)
                    quiet_checks = quiet_checks + 1 if all_idle and not moved else 0
                    if quiet_checks >= 2:
                        break
        finally:
            self.peak_rss_kb = {c.role: _peak_rss_kb(c.process.pid) for c in children}
            stop_children.value = 1
            deadline = time.monotonic() + STOP_GRACE_S
            for child in children:
                child.process.join(max(0.0, deadline - time.monotonic()))
                if child.process.is_alive():
                    log.warning("%s did not stop in %.0f s; killing it", child.role, STOP_GRACE_S)
                    child.process.kill()
                    child.process.join()
        if failed is not None:
            raise RoleProcessFailed(
                f"the {failed.role} process exited with code {failed.process.exitcode}"
                " (its log says why); the other roles were stopped"
            )
        bad = [c for c in children if c.process.exitcode not in (0, None)]
        if bad:
            raise RoleProcessFailed(
                f"the {bad[0].role} process exited with code {bad[0].process.exitcode}"
            )


def _peak_rss_kb(pid: int | None) -> int | None:
    """A live process's peak resident set size (VmHWM, Linux), in KiB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def engine_for(settings: Settings, roles: Sequence[str]) -> Engine | RoleProcesses:
    """What `casebook run` runs: one role in this process, several in processes of their own
    unless `process_per_role` is off."""
    if settings.process_per_role and len(roles) > 1:
        return RoleProcesses(settings, roles)
    return Engine(settings, roles)
