"""Supervision of the engine's roles in one process: threads, idleness and back-off.

Each role is a worker with `step()` (a bounded amount of work) and `idle()` (nothing left
to do), driven by a thread of its own: a worker waiting in a Kafka poll never holds up the
others, and polls can be long enough for kafka-python to finish a group rebalance inside
the poll that started it. Each worker owns its store connections. A retriable failure
(broker or database away) closes the worker, waits with a bounded, logged back-off, and
builds it afresh: it rejoins its group and resumes from the positions in the store, so
nothing is skipped or applied twice. Any other failure stops the engine and is raised.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from eventsourcing.persistence import IntegrityError

from consumers import metrics
from consumers.errors import RETRIABLE

log = logging.getLogger(__name__)

POLL_MS = 500
IDLE_CHECK_S = 0.25
STEP_STUCK_S = 4 * POLL_MS / 1000
"""A step running longer than this (an idle one polls for POLL_MS at most) is blocked on
something, so its role is not idle now, whatever its last step said."""
STEP_BLOCKED_S = 60.0
"""A step running this long is not a slow batch: its role is reported not ready."""
STATUS_EVERY_S = 0.05
GC_YOUNG_THRESHOLD = 20_000
BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 10.0


def tune_gc() -> None:
    """Fewer young-generation collections: a worker allocates many short-lived objects per
    message (parsed models, events, rows), almost none in cycles, and the default threshold
    (700) ran a collection every few messages (a tenth of the replay's time). What was
    imported is frozen out of every later collection."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


class Worker(Protocol):
    def step(self, timeout_ms: int = 200) -> int: ...

    def idle(self) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Slot:
    """A role's worker, how to build it again after a failure, and what its thread saw."""

    role: str
    build: Callable[[], tuple[Worker, Callable[[], None]]]
    worker: Worker | None = None
    release: Callable[[], None] | None = None
    failures: int = 0
    last_failure: str | None = None
    progress: int = 0
    idle: bool = False
    """What the last finished step said; see `idle_now`."""
    stepping_since: float | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    def idle_now(self) -> bool:
        """Caught up now: the last step found nothing, the step running has no records in
        hand, and no step is stuck since. A step keeps the idle flag of the one before
        until it returns: a role blocked on a leaderless partition or a dead coordinator,
        or one storing or publishing a batch slower than the supervisor's two quiet checks
        (0.5 s; seen on the 3-node cluster, where `--until-idle` exited with the views
        short), would otherwise be reported idle meanwhile."""
        since = self.stepping_since
        if getattr(self.worker, "working", False):
            return False
        return self.idle and (since is None or time.monotonic() - since < STEP_STUCK_S)

    def readiness(self) -> str | None:
        """Why this role is not ready now (None: ready): backing off after a failure (store
        or broker away), not built yet, blocked in a step, or what its worker says (not
        assigned, no broker contact, too far behind)."""
        if self.failures:
            return f"retrying after {self.failures} failure(s), the last: {self.last_failure}"
        worker = self.worker
        if worker is None:
            return "starting"
        since = self.stepping_since
        if since is not None and time.monotonic() - since > STEP_BLOCKED_S:
            return f"one step has been running for {time.monotonic() - since:.0f} s"
        check = getattr(worker, "readiness", None)
        return None if check is None else check()

    def ensure(self) -> Worker:
        if self.worker is None:
            self.worker, self.release = self.build()
        return self.worker

    def drop(self) -> None:
        """Close the worker and its connections; failures to close are only logged."""
        worker, release = self.worker, self.release
        self.worker = self.release = None
        for close in (worker.close if worker else None, release):
            if close is None:
                continue
            try:
                close()
            except RETRIABLE as error:
                log.info("%s: closing after failure: %s", self.role, error)


class Supervisor:
    """Drives one worker per slot, each on a thread of its own, until stopped or idle."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self._slots = list(slots)
        self._ready: dict[str, bool] = {}

    def readiness(self) -> dict[str, str]:
        """What is not ready, by role, and why (empty: every role ready)."""
        problems = {}
        for slot in self._slots:
            problem = slot.readiness()
            if problem is not None:
                problems[slot.role] = problem
        return problems

    def _watch_readiness(self) -> None:
        """Keep each role's readiness gauge, and log it when it changes."""
        problems = self.readiness()
        for slot in self._slots:
            ready = slot.role not in problems
            before = self._ready.get(slot.role)
            if before == ready:
                continue
            self._ready[slot.role] = ready
            metrics.READY.labels(slot.role).set(1 if ready else 0)
            extra = {"event": "role_readiness", "role": slot.role, "ready": ready}
            if ready:
                log.info("%s: ready", slot.role, extra=extra)
            elif before is not None or problems[slot.role] != "starting":
                log.info("%s: not ready: %s", slot.role, problems[slot.role], extra=extra)

    def run(
        self,
        *,
        until_idle: bool = False,
        stop: threading.Event | None = None,
        on_progress: Callable[[int], object] | None = None,
        on_status: Callable[[bool, int], object] | None = None,
    ) -> None:
        """Work until stopped (or, with `until_idle`, until every role has nothing left).

        `on_status(all_idle, progress)` is told often (a supervising process decides
        `--until-idle` for all its role processes from it)."""
        stop = stop or threading.Event()
        for slot in self._slots:
            slot.thread = threading.Thread(
                target=self._drive, args=(slot, stop), name=f"casebook-{slot.role}", daemon=True
            )
            slot.thread.start()
        reported = 0
        quiet_checks = 0
        every_s = STATUS_EVERY_S if on_status is not None else IDLE_CHECK_S
        readiness_due = 0.0
        try:
            while not stop.wait(every_s):
                if time.monotonic() >= readiness_due:
                    readiness_due = time.monotonic() + IDLE_CHECK_S
                    self._watch_readiness()
                total = sum(slot.progress for slot in self._slots)
                if on_status is not None:
                    on_status(all(slot.idle_now() for slot in self._slots), total)
                if on_progress is not None and total > reported:
                    on_progress(total - reported)
                moved, reported = total != reported, total
                if until_idle:
                    all_idle = all(slot.idle_now() for slot in self._slots)
                    quiet_checks = quiet_checks + 1 if all_idle and not moved else 0
                    if quiet_checks >= 2:
                        break
        finally:
            stop.set()
            for slot in self._slots:
                if slot.thread is not None:
                    slot.thread.join()
        errors = [slot.error for slot in self._slots if slot.error is not None]
        if errors:
            raise errors[0]

    def _drive(self, slot: Slot, stop: threading.Event) -> None:
        """One role's loop, on its own thread, until the engine stops."""
        try:
            while not stop.is_set():
                if not self._step(slot, stop):
                    continue
        except BaseException as error:  # noqa: BLE001 - handed to run(), which raises it
            slot.error = error
            stop.set()
        finally:
            slot.drop()

    def _step(self, slot: Slot, stop: threading.Event) -> bool:
        try:
            slot.stepping_since = time.monotonic()
            worker = slot.ensure()
            done = worker.step(POLL_MS)
            slot.failures = 0
            slot.last_failure = None
            slot.progress += done
            slot.idle = done == 0 and worker.idle()
            slot.stepping_since = None
            return True
        except IntegrityError:
            raise  # a conflict the worker did not expect is a bug, not weather
        except RETRIABLE as error:
            slot.idle = False
            slot.stepping_since = None
            slot.failures += 1
            cause = type(error).__name__
            slot.last_failure = f"{cause}: {error}"
            delay = min(BACKOFF_MAX_S, BACKOFF_START_S * 2 ** (slot.failures - 1))
            log.warning(
                "%s: %s: %s; retrying in %.1f s (attempt %d)",
                slot.role,
                cause,
                error,
                delay,
                slot.failures,
                extra={"event": "role_retrying", "role": slot.role, "cause": cause},
            )
            metrics.RESTARTS.labels(slot.role, cause).inc()
            metrics.BACKOFF_SECONDS.labels(slot.role, cause).inc(delay)
            slot.drop()
            stop.wait(delay)
            return False
