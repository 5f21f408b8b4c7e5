"""Where a consumer stands: end offsets, "caught up", and the positions told to its group.

Our positions live in our stores; what the group is told here is for Kafka's tools (lag) and
costs a skip, never data, when lost. A partition without a leader is a wait, not an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaError

from consumers.config import KafkaConfig
from consumers.kafka_clients import make_consumer

log = logging.getLogger(__name__)
COMMITTED_AT = "committed_at_ms="
"""The metadata of each position hint: when it was committed (wall clock, milliseconds)."""


def committed_at_ms(metadata: str) -> int | None:
    """When a hint was committed, from its metadata (None: not one of ours)."""
    if not metadata.startswith(COMMITTED_AT):
        return None
    try:
        return int(metadata[len(COMMITTED_AT) :])
    except ValueError:
        return None


def hint_positions(consumer: KafkaConsumer, next_offsets: dict[TopicPartition, int]) -> None:
    """Tell the group how far we are, without waiting: only lag monitoring reads it.

    Our positions live in our stores; a lost hint costs a skip on restart, never data. An
    asynchronous commit once per poll keeps a broker round trip per partition batch off the
    hot path.
    """
    if not next_offsets:
        return

    def logged(offsets: object, response: object) -> None:
        if isinstance(response, Exception):
            log.info("offset hint not committed (%s); the store holds the position", response)

    stamp = f"{COMMITTED_AT}{int(time.time() * 1000)}"  # `casebook status`: last commit age
    offsets = {tp: OffsetAndMetadata(offset, stamp, -1) for tp, offset in next_offsets.items()}
    try:
        consumer.commit_async(offsets, callback=logged)
    except KafkaError as error:
        log.info("offset hint not sent (%s); the store holds the position", error)


def _caught_up_positions(consumer: KafkaConsumer) -> dict[TopicPartition, int] | None:
    """Every owned partition's position when all are read to their end, else None.

    Owning only some is not caught up: the other partitions belong to another member,
    possibly a killed one the coordinator still counts until its session expires;
    `--until-idle` would otherwise exit with their records unprocessed (seen in tests/faults:
    a SIGKILLed projections process left the views without half the history).
    """
    assignment = consumer.assignment()
    if not assignment:
        return None
    topics = consumer.subscription() or {partition.topic for partition in assignment}
    for topic in topics:
        partitions = consumer.partitions_for_topic(topic) or set()
        if any(TopicPartition(topic, p) not in assignment for p in partitions):
            return None
    try:
        ends = end_offsets(consumer, list(assignment))
    except PartitionWithoutLeader as error:
        _log_leaderless_once(str(error))
        return None  # not caught up while a partition it reads cannot be read to its end
    positions = {partition: consumer.position(partition) for partition in assignment}
    if all(positions[partition] >= ends[partition] for partition in assignment):
        return positions
    return None


class PartitionWithoutLeader(KafkaError):
    """A partition has no leader (its broker is down): a wait, never a reason to exit."""

    retriable = True


def end_offsets(
    consumer: KafkaConsumer, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """`consumer.end_offsets`, where a partition without a leader is a retriable wait.

    kafka-python 3.0.12 raises a bare `KeyError` from the offset look-up when a partition has
    no leader; that ended the projections process, and the supervisor every role, when one
    broker of a cluster was lost."""
    try:
        return consumer.end_offsets(partitions)  # type: ignore[no-any-return]
    except KeyError as error:
        raise PartitionWithoutLeader(f"no leader for {error}: waiting for one") from error


_leaderless_logged: set[str] = set()


def _log_leaderless_once(what: str) -> None:
    if what not in _leaderless_logged:
        _leaderless_logged.add(what)
        log.warning("%s (not caught up until it has one)", what)


class CaughtUpHints:
    """`caught_up`, which also tells the group the end positions once they are reached.

    The per-poll hint is the last record taken + 1. On a transactional topic (the events and
    rejected topics the relay writes) the commit marker after that record takes an offset
    of its own, so a group caught up on such a topic showed lag 1 forever in Kafka's tools
    (`kafka-consumer-groups --describe`) and every lag alert fired. Once caught up, the
    consumer's position is the end offset, past the marker; everything before it was taken
    and stored (a failed store seeks back), so committing it is as safe as the poll's hint.
    """

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer
        self._hinted: dict[TopicPartition, int] = {}

    def caught_up(self) -> bool:
        positions = _caught_up_positions(self._consumer)
        if positions is None:
            return False
        moved = {tp: at for tp, at in positions.items() if self._hinted.get(tp) != at}
        if moved:
            hint_positions(self._consumer, moved)
            self._hinted.update(moved)
        return True


def truncated_partitions(kafka: KafkaConfig, topics: Sequence[str]) -> dict[TopicPartition, int]:
    """The partitions of `topics` whose first record is gone (retention or a deletion moved
    their earliest offset past 0), with that earliest offset."""
    consumer = make_consumer(kafka, None)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        earliest = consumer.beginning_offsets(partitions) if partitions else {}
    finally:
        consumer.close()
    return {partition: offset for partition, offset in earliest.items() if offset > 0}
