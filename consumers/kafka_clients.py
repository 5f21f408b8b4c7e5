"""kafka-python clients built from settings: the only place connection options are assembled.

Clients are made when a worker starts, never at import time, and the settings they get
hold the secrets (SASL, TLS) that must never reach a log line.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kafka import (
    ConsumerRebalanceListener,
    KafkaConsumer,
    KafkaProducer,
    TopicPartition,
)
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, KafkaTimeoutError

from consumers.config import KafkaConfig

log = logging.getLogger(__name__)

# A rebalance of our own groups ends within a session timeout (a killed member is evicted)
# plus a poll round; one still open after this long will not end by itself.
STUCK_REBALANCE_S = 25.0


ALONE_IN_BATCH_BYTES = 256 * 1024


class RebalanceStuck(KafkaError):
    """A group rebalance that never completed: rebuild the consumer (retriable)."""

    retriable = True


class KafkaUnreachable(KafkaError):
    """No broker could be reached (or none accepted our credentials); the message says which."""

    retriable = True


class KafkaAuthenticationFailed(KafkaError):
    """The broker refused the SASL credentials: waiting will not help, so not retriable."""

    retriable = False


class _AuthFailureSpotter(logging.Handler):
    """kafka-python logs a refused SASL login and then only times out: keep that reason."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reason: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "SaslAuthenticationFailedError" in text or "Authentication failed" in text:
            self.reason = text.split("SaslAuthenticationFailedError", 1)[-1].strip(" :")


def make_admin(kafka: KafkaConfig, **overrides: Any) -> KafkaAdminClient:
    """An admin client; a broker that cannot be reached or refuses us is a clear error.

    The error names the bootstrap servers, the protocol, the mechanism and the user, never
    the password (kafka-python's own messages do not carry it either).
    """
    spotter = _AuthFailureSpotter()
    kafka_log = logging.getLogger("kafka")
    kafka_log.addHandler(spotter)
    try:
        return KafkaAdminClient(**kafka.client_config(), **overrides)
    except KafkaTimeoutError as error:  # kafka-python 3: no broker answered in time
        who = kafka.describe()
        if spotter.reason is not None:
            raise KafkaAuthenticationFailed(
                f"Kafka at {who} refused the credentials: {spotter.reason}; check "
                "CASEBOOK_KAFKA_SASL_USERNAME and CASEBOOK_KAFKA_SASL_PASSWORD"
            ) from error
        hint = ""
        if kafka.sasl_mechanism:
            # kafka-python does not always report a failed SASL exchange before it gives up
            # (SCRAM in particular): a reachable broker that never let us in refused us.
            hint = (
                "; if the broker is up, it refused the credentials: check "
                "CASEBOOK_KAFKA_SASL_USERNAME and CASEBOOK_KAFKA_SASL_PASSWORD"
            )
        raise KafkaUnreachable(f"cannot reach Kafka at {who}: {error}{hint}") from error
    finally:
        kafka_log.removeHandler(spotter)


Headers = list[tuple[str, bytes]]


def send_each(
    producer: KafkaProducer, topic: str, records: Iterable[tuple[bytes | None, bytes, Headers]]
) -> tuple[int, list[tuple[int, int, str]]]:
    """Send every (key, value, headers); a record the broker refuses does not stop the others.

    Returns how many were acknowledged and, for each refused one, (its index, its size in
    bytes, Kafka's reason), e.g. a record over the broker's `message.max.bytes`.
    """
    futures = []
    refused: list[tuple[int, int, str]] = []
    for index, (key, value, headers) in enumerate(records):
        # A large record gets a batch of its own: kafka-python sizes a batch's buffer to its
        # first record, so small records after a huge one would share its batch and be
        # refused with it when the broker finds the batch over `message.max.bytes`.
        alone = len(value) > ALONE_IN_BATCH_BYTES
        if alone:
            producer.flush()
        try:
            future = producer.send(topic, key=key, value=value, headers=headers or None)
            futures.append((index, len(value), future))
        except KafkaError as error:  # refused by the client before sending (over its limit)
            refused.append((index, len(value), f"{type(error).__name__}: {error}"))
        if alone:
            producer.flush()
    producer.flush()
    acknowledged = 0
    for index, size, future in futures:
        try:
            future.get(timeout=30)
            acknowledged += 1
        except KafkaError as error:
            refused.append((index, size, f"{type(error).__name__}: {error}"))
    return acknowledged, sorted(refused)


def make_consumer(kafka: KafkaConfig, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    """A consumer whose offsets are ours to manage: no auto-commit, committed reads only."""
    config: dict[str, Any] = {
        **kafka.client_config(),
        "group_id": group_id,
        # Who holds what, as `casebook status` and Kafka's tools show a group's members.
        "client_id": f"{group_id or 'casebook'}@{socket.gethostname()}:{os.getpid()}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "max_poll_records": kafka.batch_size,
        "session_timeout_ms": 10_000,
        "heartbeat_interval_ms": 1_000,
        "reconnect_backoff_max_ms": 5_000,
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def make_producer(kafka: KafkaConfig, **overrides: Any) -> KafkaProducer:
    """An idempotent producer (kafka-python 3 default: acks=all, retries, idempotence)."""
    config: dict[str, Any] = {
        **kafka.client_config(),
        "linger_ms": 5,
        "reconnect_backoff_max_ms": 5_000,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def subscribe_known(
    consumer: KafkaConsumer, topics: Sequence[str], listener: ConsumerRebalanceListener
) -> None:
    """Subscribe, and learn the topics' partitions before the first poll joins the group.

    Without the metadata, the first assignment after a topic was created is empty ("No
    partition metadata"), and the rejoin that follows could be left unfinished by
    kafka-python 3.0 when the poll that started it timed out: the worker then sat without
    partitions for good. Fetching the metadata before the first poll (which joins) makes the
    first assignment the real one; fetching it after subscribing also gives the group
    coordinator its snapshot of the subscribed topics: joined without one, kafka-python
    rejoins at its next metadata refresh, a second rebalance half a second into every start.
    """
    consumer.subscribe(list(topics), listener=listener)
    consumer.topics()  # always a metadata request: its listeners give the snapshot
    for topic in topics:
        if not consumer.partitions_for_topic(topic):  # answered from what was just fetched
            raise KafkaError(f"no partition metadata for topic {topic}")


class SeekToStoredPositions(ConsumerRebalanceListener):
    """On assignment, move each partition to the position the store recorded.

    The store, not Kafka's committed offset, is the source of truth: Kafka's offset is only
    committed after the store's, as a hint for lag monitoring, and may be behind (or, after
    a view was dropped for a rebuild, ahead of) what the store holds.
    """

    def __init__(
        self, consumer: KafkaConsumer, stored_position: Callable[[TopicPartition], int | None]
    ) -> None:
        self._consumer = consumer
        self._stored_position = stored_position
        self.assignments = 0
        self._rebalancing_since: float | None = time.monotonic()

    def check_rebalance(self, limit_s: float = STUCK_REBALANCE_S) -> None:
        """Raise `RebalanceStuck` if a join (or the first one) has been open for `limit_s`."""
        since = self._rebalancing_since
        if since is not None and time.monotonic() - since > limit_s:
            raise RebalanceStuck(f"no assignment {time.monotonic() - since:.0f} s into a rebalance")

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self._rebalancing_since = time.monotonic()
        log.info("partitions revoked: %s", sorted(revoked))

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self.assignments += 1
        for partition in assigned:
            stored = self._stored_position(partition)
            if stored is None:
                self._consumer.seek_to_beginning(partition)
            else:
                self._consumer.seek(partition, stored + 1)
        self._rebalancing_since = None
        log.info("partitions assigned: %s", sorted(assigned))


def rejoin_pending(consumer: KafkaConsumer) -> bool:
    """True when the consumer's group wants it to (re)join: a member came or went.

    kafka-python finishes a rebalance only inside `poll()`, and only if the poll lasts long
    enough for JoinGroup and SyncGroup; a worker that otherwise polls with no timeout (the
    relay in office) polls long while this is true. Read from the coordinator, which
    kafka-python 3 exposes only as a private attribute: when it is missing, assume a
    rebalance (long polls are always safe, only slower).
    """
    coordinator = getattr(consumer, "_coordinator", None)
    need_rejoin = getattr(coordinator, "need_rejoin", None)
    if need_rejoin is None:
        return True
    return bool(need_rejoin())


def assign_whole_topic(consumer: KafkaConsumer, topic: str) -> None:
    """Read every partition of `topic` from its beginning, without a consumer group."""
    partitions = [
        TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]
    if not partitions:
        raise KafkaError(f"no partition metadata for topic {topic}")
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
