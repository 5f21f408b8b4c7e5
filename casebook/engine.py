"""The engine: the intake, relay and projection roles, in one process or one role per process.

Each role is a worker with `step()` (do a bounded amount of work) and `idle()` (nothing
left to do). A retriable failure (broker or database away) closes the worker, waits with a
bounded, logged back-off, and builds it afresh: it rejoins its group and resumes from the
positions in the store, so nothing is skipped or applied twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from eventsourcing.persistence import IntegrityError

from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.errors import RETRIABLE
from consumers.event_store import CaseStore, open_case_store
from consumers.intake import IntakeWorker
from consumers.projection_runner import ProjectionWorker
from consumers.relay import EventStoreOutbox, OutboxRelay
from consumers.topics import Topics, ensure_topics
from consumers.view_store import ViewStore
from consumers.warnings import WarningsOutbox

log = logging.getLogger(__name__)

ROLES = ("intake", "relay", "projections")
BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 10.0


def wall_clock() -> datetime:
    """The engine's default clock (the composition root's, never the domain's)."""
    return datetime.now(UTC)


class Worker(Protocol):
    def step(self, timeout_ms: int = 200) -> int: ...

    def idle(self) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Slot:
    """A role's worker and how to build it again after a failure."""

    role: str
    build: Callable[[], Worker]
    worker: Worker | None = None
    failures: int = 0

    def ensure(self) -> Worker:
        if self.worker is None:
            self.worker = self.build()
        return self.worker


class Engine:
    def __init__(
        self,
        settings: Settings,
        roles: Sequence[str] = ROLES,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock` drives breach warnings: the wall clock unless a test passes its own."""
        self._settings = settings
        self._topics: Topics = ensure_topics(settings)
        policy = load_policy(settings.policy_file)
        self._store: CaseStore | None = None
        self._views: ViewStore | None = None
        builders: dict[str, Callable[[], Worker]] = {
            "intake": lambda: IntakeWorker(settings, self._case_store(), policy, self._topics),
            "relay": lambda: OutboxRelay(
                settings,
                EventStoreOutbox(self._case_store(), self._topics),
                self._topics.relay_positions,
            ),
            "projections": lambda: ProjectionWorker(
                settings, self._view_store(), self._topics, clock=clock or wall_clock
            ),
            "warnings-relay": lambda: OutboxRelay(
                settings,
                WarningsOutbox(self._view_store(), self._topics.warnings),
                self._topics.warnings_positions,
                name="casebook-warnings-relay",
            ),
        }
        # The relay role publishes both outboxes: case events and breach warnings.
        expanded = [
            r for role in roles for r in ((role, "warnings-relay") if role == "relay" else (role,))
        ]
        self._slots = [Slot(role, builders[role]) for role in expanded]

    def run(
        self,
        *,
        until_idle: bool = False,
        stop: threading.Event | None = None,
        on_progress: Callable[[int], object] | None = None,
    ) -> None:
        """Work until stopped (or, with `until_idle`, until every role has nothing left)."""
        stop = stop or threading.Event()
        quiet_rounds = 0
        try:
            while not stop.is_set():
                progressed = sum(self._step(slot) for slot in self._slots)
                if progressed and on_progress is not None:
                    on_progress(progressed)
                if not until_idle:
                    continue
                quiet_rounds = quiet_rounds + 1 if progressed == 0 and self._all_idle() else 0
                if quiet_rounds >= 2:
                    return
        finally:
            self.close()

    def close(self) -> None:
        for slot in self._slots:
            self._drop(slot)
        if self._views is not None:
            self._views.close()
            self._views = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def _step(self, slot: Slot) -> int:
        try:
            done = slot.ensure().step()
            slot.failures = 0
            return done
        except IntegrityError:
            raise  # a conflict the worker did not expect is a bug, not weather
        except RETRIABLE as error:
            slot.failures += 1
            delay = min(BACKOFF_MAX_S, BACKOFF_START_S * 2 ** (slot.failures - 1))
            log.warning(
                "%s: %s: %s; retrying in %.1f s (attempt %d)",
                slot.role,
                type(error).__name__,
                error,
                delay,
                slot.failures,
            )
            self._drop(slot)
            self._reset_connections()
            time.sleep(delay)
            return 0

    def _all_idle(self) -> bool:
        return all(slot.worker is not None and slot.worker.idle() for slot in self._slots)

    def _drop(self, slot: Slot) -> None:
        worker, slot.worker = slot.worker, None
        if worker is None:
            return
        try:
            worker.close()
        except RETRIABLE as error:
            log.info("%s: closing after failure: %s", slot.role, error)

    def _reset_connections(self) -> None:
        """After a database failure, open fresh connections on the next use."""
        for slot in self._slots:
            self._drop(slot)
        if self._views is not None:
            try:
                self._views.close()
            except RETRIABLE:
                log.info("view store connection already gone")
            self._views = None
        if self._store is not None:
            try:
                self._store.close()
            except RETRIABLE:
                log.info("event store connection already gone")
            self._store = None

    def _case_store(self) -> CaseStore:
        if self._store is None:
            self._store = open_case_store(self._settings)
        return self._store

    def _view_store(self) -> ViewStore:
        if self._views is None:
            self._views = ViewStore(self._settings)
        return self._views
