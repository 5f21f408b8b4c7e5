"""The outbox relay: the event store's notification log -> Kafka, exactly once.

Each batch is one Kafka transaction holding the published records *and* the relay's new
position (a record on the compacted `casebook.relay.positions` topic), so a crash anywhere
either publishes the batch with its position or neither. The single partition of the
positions topic, owned by one member of the `casebook-relay` group, elects the one active
relay; the transactional id fences a relay that lost its place but has not noticed yet.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers import metrics
from consumers.config import KafkaConfig
from consumers.event_outbox import OutboxSource
from consumers.kafka_clients import (
    make_consumer,
    make_producer,
    rejoin_pending,
    subscribe_known,
)
from consumers.offsets import end_offsets
from consumers.role_health import coordinator_connected
from consumers.topics import REJECTED_MAX_MESSAGE_BYTES
from consumers.transactions import STEP_DEADLINE_S, commit_confirmed
from consumers.wire import OutgoingRecord

log = logging.getLogger(__name__)
POSITION_KEY = b"relay"
# A Kafka transaction costs a commit round trip (~100 ms here) whatever its size: the relay
# carries several intake batches' worth of records per transaction.
RELAY_BATCH_FACTOR = 4
# Caught up, the relay looks at its source again after at most this long (one indexed
# query): what another process wrote is published within it, and a `wake` signal from a
# writer in this process cuts it short.
RECHECK_S = 0.01
# Producer batches of the relay: large, and never sent for lingering (see `_take_office`).
# Measured over 100k stored events, 6 partitions: 16 KiB batches and 5 ms linger took
# ~80 us of CPU per record in kafka-python, 512 KiB batches ~40 us.
RELAY_BATCH_BYTES = 512 * 1024
RELAY_LINGER_MS = 1000
ELECTION_POLL_MS = 100


class ElectionResult(ConsumerRebalanceListener):
    """Counts completed elections (assignments, empty or not) of the relay's group."""

    def __init__(self) -> None:
        self.decided = 0

    def on_partitions_revoked(self, revoked: object) -> None:
        pass

    def on_partitions_assigned(self, assigned: object) -> None:
        self.decided += 1


class RelayAheadOfSource(RuntimeError):
    """The positions topic says more was published than the source holds."""


class OutboxRelay:
    def __init__(
        self,
        kafka: KafkaConfig,
        source: OutboxSource,
        positions_topic: str,
        name: str = "casebook-relay",
        wake: threading.Event | None = None,
        recheck_s: float = RECHECK_S,
    ) -> None:
        """`wake`, when given, is set by whoever appends to the source in this process;
        `recheck_s` is how often a caught-up relay looks at its source again."""
        self._kafka = kafka
        self._wake = wake or threading.Event()
        self._recheck_s = recheck_s
        self._source = source
        self._name = name
        self._positions = TopicPartition(positions_topic, 0)
        self._election = make_consumer(kafka, kafka.topic(name))
        self._election_result = ElectionResult()
        subscribe_known(self._election, [positions_topic], self._election_result)
        self._producer: KafkaProducer | None = None
        self.position: int | None = None
        self.published = 0
        self.working = False
        """True while a batch is being published (read from the engine's status thread)."""
        self._behind = True

    def readiness(self) -> str | None:
        """Why this relay is not ready (None: ready, elected or standing by)."""
        if not coordinator_connected(self._election):
            return "no contact with the election group's coordinator (broker unreachable?)"
        return None

    def step(self, timeout_ms: int = 200) -> int:
        """Publish the next batch if this instance is the active relay; returns records sent."""
        in_office = self._producer is not None
        if in_office and not self._behind:
            # Caught up: wait for news, not for a whole poll. The election consumer is only
            # polled briefly while in office (its heartbeats run on their own thread), unless
            # its group is rebalancing: that completes only inside a long enough poll.
            self._wake.wait(min(self._recheck_s, timeout_ms / 1000))
        self._wake.clear()
        if not in_office:
            # Waiting for office: a poll returns when its time is up (the election topic has
            # no records to end it sooner), so keep it short enough that a won election is
            # taken up at once; a join finishes over several short polls.
            self._election.poll(timeout_ms=min(timeout_ms, ELECTION_POLL_MS))
        else:
            brief = not rejoin_pending(self._election)
            self._election.poll(timeout_ms=0 if brief else timeout_ms)
        if self._positions not in self._election.assignment():
            self._resign()
            return 0
        if self._producer is None:
            self._take_office()
        return self._publish_next()

    def _publish_next(self) -> int:
        """Fetch and publish the next batch, in a frame of its own, after the poll returned.

        kafka-python 3.0's `poll()` leaves a reference cycle behind (an exception, its
        traceback and the poll's frames), and a frame keeps its caller's frame, locals and
        all: were the batch a local of `step`, every batch would stay in memory until the
        interpreter's rare full collection (the relay grew 80 -> 126 MiB over the 1M
        history, and 250 -> 430 MiB when publishing nothing). This frame is not on the
        stack while `poll()` runs, so nothing of the batch is caught in such a cycle.
        """
        records, last_id = self._source.fetch(
            self.position or 0, RELAY_BATCH_FACTOR * self._kafka.batch_size
        )
        self._behind = last_id is not None
        if last_id is None:
            return 0
        self.working = True  # until the step ends: see `consumers.supervision.Slot.idle_now`
        try:
            self._publish(records, last_id)
        finally:
            self.working = False
        return len(records)

    def idle(self) -> bool:
        """Idle when in office with nothing new in the log. Before the first election result
        it is not idle: the log may hold events that nobody has published yet."""
        if self._election_result.decided == 0:
            return False
        # Another relay in office (possibly a killed one, until its session expires) is not
        # "everything published": only the relay in office can say that.
        return self._producer is not None and not self._behind

    def close(self) -> None:
        self._resign()
        self._election.close(autocommit=False)

    def _publish(self, records: list[tuple[str, OutgoingRecord]], last_id: int) -> None:
        """One transaction: the records and the new position. The position moves only once
        Kafka confirmed every record and the commit (`commit_confirmed`); on anything less
        the producer is dropped, and the next step takes office again from the position
        the positions topic holds."""
        producer = self._producer
        assert producer is not None
        committed = False
        try:
            producer.begin_transaction()
            futures = [
                producer.send(topic, key=record.key, value=record.value, headers=record.headers)
                for topic, record in records
            ]
            position = json.dumps({"notification_id": last_id}).encode()
            futures.append(
                producer.send(self._positions.topic, key=POSITION_KEY, value=position, partition=0)
            )
            commit_confirmed(producer, futures)
            committed = True
        finally:
            if not committed:
                # Fenced, unconfirmed, timed out or interrupted: nothing of the batch counts.
                # A new producer's init_transactions() aborts what is left open; start again
                # from the position on the topic.
                log.warning(
                    "%s: batch after %s not committed; resuming from the committed position",
                    self._name,
                    self.position,
                )
                self._resign()
        self.position = last_id
        self.published += len(records)
        metrics.RELAYED.labels(self._name).inc(len(records))

    def _take_office(self) -> None:
        """Become the active relay: fence any predecessor, then read the committed position."""
        producer = make_producer(
            self._kafka,
            transactional_id=self._kafka.topic(self._name),
            # A transaction's records go out in a few large batches: `_publish` flushes
            # before the commit, so nothing waits out the linger, and a batch is sent early
            # only when full. kafka-python's per-batch work (a new batch, a wake-up of its
            # sender thread, the lock they share) cost more than half of the relay's CPU
            # with the default 16 KiB batches and 5 ms linger. A new transaction right after
            # a commit is refused (CONCURRENT_TRANSACTIONS) until the markers of the last
            # one are written, a few ms here: retry soon, as the Java client does (20 ms),
            # not after the default 100 ms.
            linger_ms=RELAY_LINGER_MS,
            batch_size=RELAY_BATCH_BYTES,
            retry_backoff_ms=10,
            max_request_size=REJECTED_MAX_MESSAGE_BYTES + 64 * 1024,
            # Every wait has a deadline (see consumers/transactions.py): a record not
            # delivered within the step deadline fails its future (kafka-python's default
            # 120 s kept a relay on a dead coordinator for 125 s), and init_transactions()
            # or a blocked send gives up as soon.
            request_timeout_ms=int(STEP_DEADLINE_S * 1000 / 2),
            delivery_timeout_ms=int(STEP_DEADLINE_S * 1000),
            max_block_ms=int(STEP_DEADLINE_S * 1000),
        )
        producer.init_transactions()
        self.position = self._read_committed_position()
        self._check_source_holds(self.position)
        self._producer = producer
        metrics.ELECTED.labels(self._name).set(1)
        log.info(
            "%s active from position %s",
            self._name,
            self.position,
            extra={"event": "relay_elected", "outbox": self._name},
        )

    def _check_source_holds(self, position: int | None) -> None:
        """Refuse to publish from a source that is behind what was published from it.

        Positions only grow, so this happens when the store (or the views, for warnings) was
        replaced or wiped while the topics were kept: every entry up to the old position
        would be skipped without a word, and never published.
        """
        if position is None:
            return
        last = self._source.last_id()
        if last is None or last < position:
            raise RelayAheadOfSource(
                f"{self._name}: {self._positions.topic} says entries up to {position} were"
                f" published, but the source holds {'none' if last is None else f'only up to {last}'}:"
                " it was replaced or wiped while the topics were kept. Restore it, or start"
                " afresh under a new CASEBOOK_TOPIC_PREFIX; nothing is published meanwhile."
            )

    def _read_committed_position(self) -> int | None:
        return read_committed_position(self._kafka, self._positions)[0]

    def _resign(self) -> None:
        if self._producer is None:
            return
        producer, self._producer = self._producer, None
        metrics.ELECTED.labels(self._name).set(0)
        try:
            producer.close(timeout=5)
        except KafkaError as error:
            log.info("relay producer closed with %s", error)


def read_committed_position(
    kafka: KafkaConfig, positions: TopicPartition
) -> tuple[int | None, int | None]:
    """The last position a relay committed on its positions topic, and when (the record's
    timestamp, milliseconds): (None, None) when it has published nothing yet."""
    reader = make_consumer(kafka, None)
    try:
        reader.assign([positions])
        reader.seek_to_beginning(positions)
        end = end_offsets(reader, [positions])[positions]
        position = stamp = None
        deadline = time.monotonic() + 60
        while reader.position(positions) < end:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {positions.topic} to its end ({end})")
            for records in reader.poll(timeout_ms=500).values():
                for record in records:
                    if record.key == POSITION_KEY and record.value:
                        position = int(json.loads(record.value)["notification_id"])
                        stamp = record.timestamp
        return position, stamp
    finally:
        reader.close()
