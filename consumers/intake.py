"""The intake worker: `casebook.intake` -> decisions -> the event store, once per message.

One store transaction per poll holds the poll's case events, its ledger entries, its dead
letters and the new position of each partition it read from (a tracking row each).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Tracking
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers import metrics
from consumers.config import IntakeConfig, KafkaConfig
from consumers.errors import RETRIABLE
from consumers.event_store import CaseStore
from consumers.intake_auth import keyed_by_case
from consumers.intake_batch import CaseCache, StoreBatch
from consumers.intake_dead_letters import dead_letter_of
from consumers.kafka_clients import SeekToStoredPositions, make_consumer, subscribe_known
from consumers.offsets import CaughtUpHints, hint_positions
from consumers.role_health import ConsumerHealth
from consumers.store_recorders import MORE_TRACKING
from consumers.topics import Topics
from domain.desk import Duplicate, IntakeDesk, Outcome, Rejected
from domain.ledger import DeadLetter
from domain.messages import IntakeMessage
from domain.parsing import (
    InvalidMessage,
    failed_decision_message,
    parse_message,
    salvage_identity,
)
from domain.policy import Policy
from domain.reasons import Rejection
from domain.sources import Source, authenticate

log = logging.getLogger(__name__)


def tracking_name(partition: TopicPartition) -> str:
    return f"intake|{partition.topic}|{partition.partition}"


class IntakeWorker:
    """Consumes the intake topic in the `casebook-intake` group."""

    def __init__(
        self,
        kafka: KafkaConfig,
        config: IntakeConfig,
        store: CaseStore,
        policy: Policy,
        topics: Topics,
        on_saved: Callable[[], object] | None = None,
    ) -> None:
        """`on_saved` is told after each stored batch (the relay in this process waits on it)."""
        self._store = store
        self._on_saved = on_saved
        self._policy = policy
        self._cache = CaseCache(config.cached_cases)
        self._written: dict[TopicPartition, int] = {}  # partition -> last offset we stored
        self._consumer = make_consumer(kafka, kafka.topic("casebook-intake"))
        self._caught_up = CaughtUpHints(self._consumer)
        self._listener = SeekToStoredPositions(self._consumer, self.stored_position)
        subscribe_known(self._consumer, [topics.intake], self._listener)
        self._assignments_seen = 0
        self.working = False
        """True while a step has records in hand (read from the engine's status thread)."""
        self.applied = 0
        self.rejected = 0
        self.duplicates = 0
        self.failed = 0
        self._sources = config.required_sources()
        self.health = ConsumerHealth(
            "intake", self._consumer, self._next_offset, kafka.ready_max_lag
        )
        self._failed: dict[tuple[str, int, int], InvalidMessage] = {}
        """Records whose decision raised, refused `decision_failed` when read again. Kept
        for the process's life: a handful at most, each a bug to fix."""

    def stored_position(self, partition: TopicPartition) -> int | None:
        return self._store.process_recorder.max_tracking_id(tracking_name(partition))

    def step(self, timeout_ms: int = 200) -> int:
        """Poll once and decide on what came; returns the number of records taken."""
        # Straight into `_take`, never a local here: see `OutboxRelay._publish_next`.
        try:
            return self._take(self._consumer.poll(timeout_ms=timeout_ms))
        finally:
            self.working = False
            self.health.check()

    def _next_offset(self, partition: TopicPartition) -> int:
        stored = self._written.get(partition)
        if stored is None:
            stored = self.stored_position(partition)
        return 0 if stored is None else stored + 1

    def readiness(self) -> str | None:
        """Why this worker is not ready (None: ready)."""
        return self.health.problem

    def _take(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> int:
        self.working = bool(batches)  # records in hand: not idle, whatever the last step said
        self._listener.check_rebalance()
        if self._listener.assignments != self._assignments_seen:
            # Another instance may have changed cases of partitions we now own.
            self._assignments_seen = self._listener.assignments
            self._cache.clear()
            self._written.clear()
        fresh = {
            partition: unseen
            for partition, records in batches.items()
            if (unseen := self._unseen(partition, records))
        }
        if not fresh:
            return 0
        with metrics.BATCH_SECONDS.labels("intake").time():
            if not self._store_poll(fresh):
                return 0
        # Only now tell Kafka (a hint for lag monitoring; losing it costs a skip, not data).
        hint_positions(
            self._consumer,
            {partition: records[-1].offset + 1 for partition, records in fresh.items()},
        )
        return sum(len(records) for records in fresh.values())

    def idle(self) -> bool:
        return self._caught_up.caught_up()

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def _unseen(
        self, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> list[ConsumerRecord]:
        """The records after what the store holds for the partition (the store's position
        wins over Kafka's). What this worker wrote last is the stored position unless the
        partition changed hands (the cache is cleared then); were it wrong, the poll's
        ledger entries and dead letters would conflict in the store and it be re-read."""
        stored = (
            self._written[partition]
            if partition in self._written
            else self.stored_position(partition)
        )
        return [record for record in records if stored is None or record.offset > stored]

    def _store_poll(self, fresh: dict[TopicPartition, list[ConsumerRecord]]) -> bool:
        """Decide on a poll's new records and store the outcome in one transaction."""
        # 1. Decide on every record, each partition in order; nothing is written yet. A case
        #    is keyed to one partition, so partitions do not depend on each other.
        batch = StoreBatch(self._store, self._cache)
        desk = IntakeDesk(batch, batch, self._policy)
        dead_letters: list[DeadLetter.Created] = []
        duplicates = 0
        records = [record for partition_records in fresh.values() for record in partition_records]
        taken = [self._parse(record) for record in records]
        parsed = [message for message, _ in taken]
        # Invalid messages with a readable id are deduplicated too: look them up in the
        # same query, not one by one.
        batch.prefetch(
            {m.message_id for m in parsed if m.message_id is not None},
            {m.case_id for m in parsed if not isinstance(m, InvalidMessage)},
        )
        for record, (message, source) in zip(records, taken, strict=True):
            outcome = self._decide(desk, record, message, source)
            if outcome is None:  # that record's decision raised: the poll is decided again
                self._rewind(list(fresh))
                return False
            if isinstance(outcome, Rejected):
                dead_letters.append(dead_letter_of(record, outcome))
            elif isinstance(outcome, Duplicate):
                duplicates += 1
        # 2. One transaction: events, ledger, dead letters and every partition's new position
        #    (one tracking row each). A transaction and a commit per partition made the last
        #    partition of a poll wait for the others' commits. If it fails nothing was
        #    written, so the cache (holding unsaved changes) is dropped and the partitions
        #    are re-read from their stored positions.
        events: list[DomainEventProtocol[Any]] = [
            event for case in batch.cases.values() for event in case.collect_events()
        ]
        events += batch.ledger.values()
        events += dead_letters
        tracking = {
            partition: Tracking(tracking_name(partition), partition_records[-1].offset)
            for partition, partition_records in fresh.items()
        }
        first, *more = tracking.values()
        saved = False
        try:
            stored = [self._store.mapper.to_stored_event(event) for event in events]
            with metrics.COMMIT_SECONDS.labels("intake").time():
                self._store.process_recorder.insert_events(
                    stored, tracking=first, **{MORE_TRACKING: more}
                )
            saved = True
        except IntegrityError:
            names = ", ".join(position.application_name for position in tracking.values())
            log.warning("another owner recorded part of this poll first (%s); re-reading", names)
            return False
        finally:
            if not saved:
                self._rewind(list(fresh))
        batch.keep_cases_warm()
        for partition, position in tracking.items():
            self._written[partition] = position.notification_id
        if self._on_saved is not None:
            self._on_saved()
        accepted = len(records) - len(dead_letters) - duplicates
        self.applied += accepted
        self.rejected += len(dead_letters)
        self.duplicates += duplicates
        metrics.count_decided(accepted, duplicates, (letter.reason for letter in dead_letters))
        self.health.handled(m.at for m in parsed if m.at is not None)
        return True

    def _parse(
        self, record: ConsumerRecord
    ) -> tuple[IntakeMessage | InvalidMessage, Source | None]:
        """The record as a message, and the source that signed it (contract 1.2).

        With sources required the signature is checked first, on the bytes: a record no
        declared source signed is refused `unauthenticated` by what can be read of it, and
        without its `message_id`, which is not recorded as seen (a forger could otherwise
        take a real message's id first and make the real one a duplicate)."""
        failed = self._failed.get(_source(record))
        if failed is not None:
            return failed, None
        value = record.value or b""
        source: Source | None = None
        if self._sources is not None:
            signed = authenticate(self._sources, record.key, value, record.headers or [])
            if isinstance(signed, Rejection):
                identity = salvage_identity(value)
                return InvalidMessage(signed, None, identity.case_id, identity.at), None
            source = signed
        try:
            message = parse_message(value)
        except Exception as error:  # the last line of defence; see `_decide`
            return self._fail(record, error), None
        return keyed_by_case(record.key, message), source

    def _decide(
        self,
        desk: IntakeDesk,
        record: ConsumerRecord,
        message: IntakeMessage | InvalidMessage,
        source: Source | None,
    ) -> Outcome | None:
        """The desk's outcome for one record; None when deciding raised.

        The last line of defence: an error that is about this one record (anything but a
        store or broker failure, which `RETRIABLE` waits out) must not stop the partition
        behind it. The poll is dropped (the desk may have half-changed a cached case) and
        read again, and this time the record is refused `decision_failed` unread, with the
        error's class and message, its bytes kept on the rejected topic like any rejection.
        """
        try:
            return desk.take(message, source)
        except RETRIABLE:
            raise
        except Exception as error:
            if isinstance(message, InvalidMessage) and _source(record) in self._failed:
                raise  # refusing it failed too: not about the record after all
            self._fail(record, error)
            return None

    def _fail(self, record: ConsumerRecord, error: Exception) -> InvalidMessage:
        log.error(
            "deciding on %s[%d]@%d raised %s: %s; refusing it as decision_failed",
            record.topic,
            record.partition,
            record.offset,
            type(error).__name__,
            error,
            exc_info=error,
        )
        failed = failed_decision_message(record.value or b"", error)
        self._failed[_source(record)] = failed
        self.failed += 1
        return failed

    def _rewind(self, partitions: list[TopicPartition]) -> None:
        self._cache.clear()
        self._written.clear()
        assignment = self._consumer.assignment()
        for partition in partitions:
            if partition in assignment:
                stored = self.stored_position(partition)
                self._consumer.seek(partition, 0 if stored is None else stored + 1)


def _source(record: ConsumerRecord) -> tuple[str, int, int]:
    return (record.topic, record.partition, record.offset)
