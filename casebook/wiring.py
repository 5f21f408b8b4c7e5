"""The composition root's wiring: each role's worker built from the settings.

The only code that turns `Settings` into what the layers below receive (a `KafkaConfig`,
a `StoreConfig`, an `IntakeConfig`, the policy, the topics) and hands it to the workers;
`consumers.supervision` then drives them, on threads of one process (`Engine`) or, one role
each, in processes of their own (`casebook.role_processes`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import psycopg
from eventsourcing.persistence import PersistenceError

from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.config import StoreConfig
from consumers.event_outbox import EventStoreOutbox
from consumers.event_store import open_case_store
from consumers.intake import IntakeWorker
from consumers.projection_runner import ProjectionWorker
from consumers.relay import OutboxRelay
from consumers.supervision import Slot, Supervisor, Worker
from consumers.topics import Topics, ensure_topics
from consumers.view_store import ViewStore
from consumers.warnings import WarningsOutbox

log = logging.getLogger(__name__)

ROLES = ("intake", "relay", "projections")
WARNINGS_RECHECK_S = 0.25

Built = tuple[Worker, Callable[[], None]]


def prepare_stores(settings: Settings) -> None:
    """Topics and tables, made once before any worker (or role process) opens them."""
    ensure_topics(settings.kafka())
    create_tables(settings.stores())


def create_tables(stores: StoreConfig, attempts: int = 5) -> None:
    """Create the stores' tables once, before the workers open connections in parallel.

    eventsourcing's first-open migration is not safe to race, and a second engine process
    started at the same moment on the same store races it too: the loser's write conflicts,
    and a moment later the tables are simply there.
    """
    for attempt in range(1, attempts + 1):
        try:
            open_case_store(stores).close()
            ViewStore(stores).close()  # CREATE TABLE IF NOT EXISTS races on PostgreSQL too
            return
        except (PersistenceError, psycopg.errors.UniqueViolation) as error:
            if attempt == attempts:
                raise
            log.info("store tables being created by another process (%s); again", error)
            time.sleep(0.2 * attempt)


def wall_clock() -> datetime:
    """The engine's default clock (the composition root's, never the domain's)."""
    return datetime.now(UTC)


def role_slots(
    settings: Settings,
    roles: Sequence[str],
    clock: Callable[[], datetime] | None = None,
    prepared: bool = False,
) -> list[Slot]:
    """One slot per role (the relay role publishes both outboxes: case events and breach
    warnings), each able to build its worker afresh after a failure."""
    policy = load_policy(settings.policy_file)
    kafka, stores, intake_config = settings.kafka(), settings.stores(), settings.intake()
    if prepared:
        topics = Topics.named(kafka)
    else:
        topics = ensure_topics(kafka)
        create_tables(stores)
    warnings_clock = clock or wall_clock
    # Set by the intake after each stored batch: the relay in this process publishes it
    # at once instead of at its next look at the store.
    stored = threading.Event()

    def intake() -> Built:
        store = open_case_store(stores)
        worker = IntakeWorker(kafka, intake_config, store, policy, topics, on_saved=stored.set)
        return worker, store.close

    def relay() -> Built:
        store = open_case_store(stores)
        outbox = EventStoreOutbox(store, topics)
        return OutboxRelay(kafka, outbox, topics.relay_positions, wake=stored), store.close

    def projections() -> Built:
        views = ViewStore(stores)
        views.track_metric_checks = bool(policy.targets)
        worker = ProjectionWorker(kafka, views, topics, clock=warnings_clock, policy=policy)
        return worker, views.close

    def warnings_relay() -> Built:
        views = ViewStore(stores)
        outbox = WarningsOutbox(views, topics.warnings)
        name = "casebook-warnings-relay"
        # Warnings are due by the second: no need to look more often than that.
        relay = OutboxRelay(
            kafka, outbox, topics.warnings_positions, name=name, recheck_s=WARNINGS_RECHECK_S
        )
        return relay, views.close

    builders: dict[str, Callable[[], Built]] = {
        "intake": intake,
        "relay": relay,
        "projections": projections,
        "warnings-relay": warnings_relay,
    }
    expanded = [
        r for role in roles for r in ((role, "warnings-relay") if role == "relay" else (role,))
    ]
    return [Slot(role, builders[role]) for role in expanded]


class Engine(Supervisor):
    """The intake, relay and projection roles (or some of them) in this process."""

    def __init__(
        self,
        settings: Settings,
        roles: Sequence[str] = ROLES,
        clock: Callable[[], datetime] | None = None,
        prepared: bool = False,
    ) -> None:
        """`clock` drives breach warnings: the wall clock unless a test passes its own.
        `prepared`: topics and tables were made already (by a supervising process)."""
        super().__init__(role_slots(settings, roles, clock, prepared))
