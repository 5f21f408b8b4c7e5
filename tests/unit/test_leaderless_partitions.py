"""A partition without a leader is a wait, and a role blocked inside a step is not idle.

kafka-python 3.0.12 raises a bare KeyError from `end_offsets()` when a partition has no
leader; on a cluster that lost one broker it ended the projections process (and with it
every role). Fakes of our own ports: a consumer that answers as kafka-python then does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from kafka import TopicPartition

from consumers.errors import RETRIABLE
from consumers.offsets import CaughtUpHints, PartitionWithoutLeader, end_offsets
from consumers.supervision import STEP_STUCK_S, Slot

PARTITION = TopicPartition("casebook.events", 0)


class LeaderlessConsumer:
    def __init__(self) -> None:
        self.leader = False
        self.commits: list[Any] = []

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def subscription(self) -> set[str]:
        return {PARTITION.topic}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        if not self.leader:
            raise KeyError(PARTITION)  # what kafka-python raises
        return {PARTITION: 7}

    def position(self, partition: TopicPartition) -> int:
        return 7

    def commit_async(self, offsets: Any, callback: Any = None) -> None:
        self.commits.append(offsets)


def test_a_leaderless_partition_is_a_retriable_wait() -> None:
    with pytest.raises(PartitionWithoutLeader) as raised:
        end_offsets(LeaderlessConsumer(), [PARTITION])  # type: ignore[arg-type]
    assert isinstance(raised.value, RETRIABLE)


def test_a_role_reading_a_leaderless_partition_is_not_caught_up_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consumer = LeaderlessConsumer()
    hints = CaughtUpHints(consumer)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        assert [hints.caught_up() for _ in range(3)] == [False, False, False]
    assert len([r for r in caplog.records if "no leader" in r.getMessage()]) == 1
    assert consumer.commits == []
    consumer.leader = True  # the leader is back: caught up, and the group told so
    assert hints.caught_up()
    assert consumer.commits[-1][PARTITION].offset == 7


def test_a_role_blocked_inside_a_step_is_not_idle_now() -> None:
    slot = Slot("projections", build=lambda: (None, lambda: None))  # type: ignore[arg-type,return-value]
    slot.idle = True
    assert slot.idle_now()
    slot.stepping_since = time.monotonic()  # a step just began: an idle poll is short
    assert slot.idle_now()
    slot.stepping_since = time.monotonic() - STEP_STUCK_S - 1  # ... this one is stuck
    assert not slot.idle_now()


class Working:
    """A worker in the middle of a step with records in hand."""

    working = True


def test_a_role_with_records_in_hand_is_not_idle_now_whatever_its_last_step_said() -> None:
    slot = Slot("relay", build=lambda: (None, lambda: None))  # type: ignore[arg-type,return-value]
    slot.idle = True
    slot.stepping_since = time.monotonic()
    slot.worker = Working()  # type: ignore[assignment]
    assert not slot.idle_now()
    Working.working = False
    assert slot.idle_now()
