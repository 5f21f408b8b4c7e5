"""The intake worker: `casebook.intake` -> decisions -> the event store, once per message.

One store transaction per partition of a poll batch holds the batch's case events, its
ledger entries, its dead letters and the partition's new position (a tracking row).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from eventsourcing.persistence import IntegrityError, Tracking
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from casebook.settings import Settings
from consumers.event_store import CaseStore
from consumers.intake_batch import CaseCache, StoreBatch
from consumers.kafka_clients import (
    SeekToStoredPositions,
    caught_up,
    hint_positions,
    make_consumer,
    subscribe_known,
)
from consumers.topics import Topics
from domain.desk import Duplicate, IntakeDesk, Rejected
from domain.ledger import DeadLetter, dead_letter_event
from domain.parsing import InvalidMessage, parse_message
from domain.policy import Policy

log = logging.getLogger(__name__)


def tracking_name(partition: TopicPartition) -> str:
    return f"intake|{partition.topic}|{partition.partition}"


class IntakeWorker:
    """Consumes the intake topic in the `casebook-intake` group."""

    def __init__(
        self,
        settings: Settings,
        store: CaseStore,
        policy: Policy,
        topics: Topics,
        on_saved: Callable[[], object] | None = None,
    ) -> None:
        """`on_saved` is told after each stored batch (the relay in this process waits on it)."""
        self._store = store
        self._on_saved = on_saved
        self._policy = policy
        self._cache = CaseCache(settings.intake_cached_cases)
        self._written: dict[TopicPartition, int] = {}  # partition -> last offset we stored
        self._consumer = make_consumer(settings, settings.topic("casebook-intake"))
        self._listener = SeekToStoredPositions(self._consumer, self.stored_position)
        subscribe_known(self._consumer, [topics.intake], self._listener)
        self._assignments_seen = 0
        self.applied = 0
        self.rejected = 0
        self.duplicates = 0

    def stored_position(self, partition: TopicPartition) -> int | None:
        return self._store.process_recorder.max_tracking_id(tracking_name(partition))

    def step(self, timeout_ms: int = 200) -> int:
        """Poll once and decide on what came; returns the number of records taken."""
        # Straight into `_take`, never a local here: see `OutboxRelay._publish_next`.
        return self._take(self._consumer.poll(timeout_ms=timeout_ms))

    def _take(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> int:
        self._listener.check_rebalance()
        if self._listener.assignments != self._assignments_seen:
            # Another instance may have changed cases of partitions we now own.
            self._assignments_seen = self._listener.assignments
            self._cache.clear()
            self._written.clear()
        taken = 0
        hints: dict[TopicPartition, int] = {}
        for partition, records in batches.items():
            done = self._take_partition_batch(partition, records)
            if done:
                hints[partition] = records[-1].offset + 1
            taken += done
        # Only now tell Kafka (a hint for lag monitoring; losing it costs a skip, not data).
        hint_positions(self._consumer, hints)
        return taken

    def idle(self) -> bool:
        return caught_up(self._consumer)

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def _take_partition_batch(
        self, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> int:
        # 1. Skip what the store already holds (the store's position wins over Kafka's).
        # What this worker wrote last is the stored position unless the partition changed
        # hands (the cache is cleared then); were it wrong, the batch's ledger entries and
        # dead letters would conflict in the store and the partition be re-read from it.
        stored = (
            self._written[partition]
            if partition in self._written
            else self.stored_position(partition)
        )
        fresh = [record for record in records if stored is None or record.offset > stored]
        if not fresh:
            return 0
        # 2. Decide on every record in order; nothing is written yet.
        batch = StoreBatch(self._store, self._cache)
        desk = IntakeDesk(batch, batch, self._policy)
        dead_letters: list[DeadLetter.Created] = []
        duplicates = 0
        parsed = [parse_message(record.value or b"") for record in fresh]
        # Invalid messages with a readable id are deduplicated too: look them up in the
        # same query, not one by one.
        batch.prefetch(
            {m.message_id for m in parsed if m.message_id is not None},
            {m.case_id for m in parsed if not isinstance(m, InvalidMessage)},
        )
        for record, message in zip(fresh, parsed, strict=True):
            outcome = desk.take(message)
            if isinstance(outcome, Rejected):
                dead_letters.append(_dead_letter(record, outcome))
            elif isinstance(outcome, Duplicate):
                duplicates += 1
        # 3. One transaction: events, ledger, dead letters and the new position together.
        #    If it fails nothing was written, so the cache (holding unsaved changes) is dropped
        #    and the partition re-read from the stored position.
        events = [event for case in batch.cases.values() for event in case.collect_events()]
        events += batch.ledger.values()
        events += dead_letters
        tracking = Tracking(tracking_name(partition), fresh[-1].offset)
        saved = False
        try:
            self._store.events.put(events, tracking=tracking)
            saved = True
        except IntegrityError:
            log.warning(
                "%s: another owner recorded this batch first; re-reading", tracking.application_name
            )
            return 0
        finally:
            if not saved:
                self._rewind(partition)
        batch.keep_cases_warm()
        self._written[partition] = tracking.notification_id
        if self._on_saved is not None:
            self._on_saved()
        self.applied += len(fresh) - len(dead_letters) - duplicates
        self.rejected += len(dead_letters)
        self.duplicates += duplicates
        return len(fresh)

    def _rewind(self, partition: TopicPartition) -> None:
        self._cache.clear()
        self._written.clear()
        if partition in self._consumer.assignment():
            stored = self._store.process_recorder.max_tracking_id(tracking_name(partition))
            self._consumer.seek(partition, 0 if stored is None else stored + 1)


def _dead_letter(record: ConsumerRecord, outcome: Rejected) -> DeadLetter.Created:
    return dead_letter_event(
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        key_b64=_b64(record.key) if record.key is not None else None,
        value_b64=_b64(record.value or b""),
        headers=[[name, _b64(value or b"")] for name, value in (record.headers or [])],
        reason=outcome.rejection.reason.value,
        detail=outcome.rejection.detail,
        message_id=outcome.message_id,
        case_id=outcome.case_id,
        at=outcome.at.isoformat() if outcome.at else None,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
