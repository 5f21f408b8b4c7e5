"""What the cluster fault scenarios share: a publisher that keeps the engine busy, the
brokers to kill (found by asking the cluster, never assumed), and the resume clock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from casebook.settings import Settings
from infra.kafka.cluster import LocalCluster
from tests.integration.engine_support import EngineProcess, publish, write_history

RESUME_LIMIT_S = 120.0  # a liveness bound, not a performance figure: those are printed


class Publisher(threading.Thread):
    """Publishes `lines` in chunks (a `casebook publish` each, as upstream would) until told
    to stop or out of lines; `published` is what Kafka accepted, in order."""

    def __init__(self, settings: Settings, lines: list[bytes], folder: Path, chunk: int) -> None:
        super().__init__(daemon=True)
        self._settings = settings
        self._lines = lines
        self._folder = folder
        self._chunk = chunk
        self._stop_asked = threading.Event()
        self.published: list[bytes] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for start in range(0, len(self._lines), self._chunk):
                if self._stop_asked.is_set():
                    return
                part = self._lines[start : start + self._chunk]
                path = self._folder / f"chunk-{start}.jsonl"
                write_history(path, part)
                accepted = publish(self._settings, path)
                assert accepted == len(part), f"published {accepted} of {len(part)}"
                self.published.extend(part)
                self._stop_asked.wait(0.5)
        except BaseException as error:  # handed to the test thread by finish()
            self.error = error

    def finish(self) -> list[bytes]:
        self._stop_asked.set()
        self.join(timeout=300)
        assert not self.is_alive(), "the publisher did not finish"
        if self.error is not None:
            raise self.error
        return self.published


def committed_events(settings: Settings, topic: str) -> int | None:
    """The events topic's committed records (read_committed end offsets, summed), or None
    while the cluster cannot say (a partition without a leader)."""
    consumer = KafkaConsumer(
        **settings.kafka_client_config(),
        group_id=None,
        isolation_level="read_committed",
        request_timeout_ms=5000,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return None
        return sum(consumer.end_offsets(partitions).values())
    except (KafkaError, KeyError, AssertionError):
        return None
    finally:
        consumer.close()


@dataclass
class Resumed:
    """After a kill: when the engine published again, and when the cluster had moved the
    killed node's role (a new leader, coordinator or controller) elsewhere, if seen first."""

    resume_s: float
    moved_s: float | None

    def line(self) -> str:
        moved = "not seen" if self.moved_s is None else f"after {self.moved_s:.1f} s"
        return (
            f"the engine published again after {self.resume_s:.1f} s (the role moved {moved};"
            f" resumed {self.after_move():.1f} s after the move)"
        )

    def after_move(self) -> float:
        return self.resume_s - (self.moved_s or 0.0)


def wait_resumed(
    settings: Settings,
    topic: str,
    killed: int,
    killed_at: float,
    find: Callable[[], int],
    engine: EngineProcess,
) -> Resumed:
    """Seconds from a kill until the events topic grows again past what was committed one
    second after it (a transaction whose commit was already on its way may land in that
    second; what counts is the first one begun after the fault); meanwhile, when `find()`
    first names another node than the killed one."""
    time.sleep(max(0.0, killed_at + 1.0 - time.monotonic()))
    baseline = None
    while baseline is None:
        baseline = committed_events(settings, topic)
        assert time.monotonic() - killed_at < RESUME_LIMIT_S, "events topic unreadable"
    moved_s: float | None = None
    while True:
        assert engine.alive(), f"the engine died:\n{engine.log()[-3000:]}"
        if moved_s is None and _names_another(find, killed):
            moved_s = time.monotonic() - killed_at
        now = committed_events(settings, topic)
        if now is not None and now > baseline:
            return Resumed(time.monotonic() - killed_at, moved_s)
        assert time.monotonic() - killed_at < RESUME_LIMIT_S, (
            f"no event published {RESUME_LIMIT_S:.0f} s after the kill:\n{engine.log()[-3000:]}"
        )
        time.sleep(0.25)


def _names_another(find: Callable[[], int], killed: int) -> bool:
    try:
        return find() != killed
    except (KafkaError, KeyError, IndexError):
        return False  # the cluster cannot say yet


def events_leader(cluster: LocalCluster, topic: str) -> int:
    """The broker leading most partitions of `topic`."""
    with cluster.admin() as admin:
        (shape,) = admin.describe_topics([topic])
    leaders = Counter(partition["leader_id"] for partition in shape["partitions"])
    return leaders.most_common(1)[0][0]


def transaction_coordinator(cluster: LocalCluster, transactional_id: str) -> int:
    with cluster.admin() as admin:
        return int(admin.describe_transactions([transactional_id])[transactional_id].coordinator_id)


def active_controller(cluster: LocalCluster) -> int:
    """The KRaft quorum's leader (a client's metadata names a random broker instead)."""
    with cluster.admin() as admin:
        quorum = admin.describe_metadata_quorum()
    return int(quorum["topics"][0]["partitions"][0]["leader_id"])
