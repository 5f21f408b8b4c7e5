"""What a consuming role knows of its own health: lag, broker contact, newest event.

Measured on the worker's own thread after each step (at most once a second: the lag takes
a store query per partition), read by the operations port's thread: that one only reads
the strings and numbers left here, and never touches the Kafka client, which is not
thread-safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from consumers import metrics


def coordinator_connected(consumer: KafkaConsumer) -> bool:
    """Whether the consumer knows its group coordinator and holds a connection to it.

    A broker going away makes no poll raise: kafka-python keeps retrying inside it, and a
    role would look busy and healthy. Its group coordinator's connection is the signal (the
    heartbeat thread marks it dead within a session timeout). kafka-python has no public
    call for it; `coordinator()` would also mark it dead as a side effect, so read the id
    and the connection instead.
    """
    coordinator = getattr(consumer, "_coordinator", None)
    node = getattr(coordinator, "coordinator_id", None)
    if node is None:
        return False
    return bool(consumer._client.connected(node))


class ConsumerHealth:
    """One consuming role's readiness: assigned, in contact with the broker, and within
    `max_lag` records of the ends of its partitions."""

    def __init__(
        self,
        role: str,
        consumer: KafkaConsumer,
        next_offset: Callable[[TopicPartition], int | None],
        max_lag: int,
    ) -> None:
        self._role = role
        self._consumer = consumer
        self._next_offset = next_offset
        self._max_lag = max_lag
        self._checked = float("-inf")
        self._newest = 0.0
        self.lag: int | None = None
        self.problem: str | None = "not started"

    def check(self) -> None:
        """After a step, on the worker's thread: measure again when a second has passed."""
        now = time.monotonic()
        if now < self._checked + metrics.LAG_EVERY_S:
            return
        self._checked = now
        self.problem = self._diagnose()

    def _diagnose(self) -> str | None:
        if not coordinator_connected(self._consumer):
            return "no contact with the group coordinator (broker unreachable?)"
        if not self._consumer.assignment():
            return "no partition assigned"
        self.lag, unknown = metrics.observe_lag(self._role, self._consumer, self._next_offset)
        if unknown:
            return f"the ends of {unknown} partition(s) not fetched yet"
        if self.lag > self._max_lag:
            return f"{self.lag} records behind (the bound is {self._max_lag})"
        return None

    def handled(self, event_times: Iterable[datetime]) -> None:
        """A batch was stored: move the newest event time on."""
        self._newest = metrics.observe_newest(self._role, self._newest, event_times)
