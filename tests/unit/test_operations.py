"""The operations port of a process: metric names by Prometheus' conventions, /metrics,
/healthz and /readyz answering from their own thread, the readiness a supervisor derives
from its roles, restarts and back-off counted by cause, one port per process."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError

from casebook.operations import (
    OperationsPortUnavailable,
    operations_port,
    start_operations,
)
from casebook.settings import Settings
from consumers import metrics
from consumers.health import HealthServer
from consumers.role_health import ConsumerHealth
from consumers.supervision import Slot, Supervisor
from tests.integration.operations_support import get

UNBOUNDED_LABELS = {"case_id", "message_id", "customer_id", "actor_id", "offset", "key"}


def sample(name: str, labels: dict[str, str]) -> float:
    value = metrics.REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_metric_names_and_labels_follow_prometheus_conventions() -> None:
    families = list(metrics.REGISTRY.collect())
    assert len(families) >= 12
    for family in families:
        assert family.name.startswith("casebook_"), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        if family.type == "counter":
            names = {s.name for s in family.samples} or {family.name + "_total"}
            assert all(n.endswith(("_total", "_created")) for n in names), names
        if family.type == "gauge" and "seconds" in family.name:
            assert family.name.endswith("_timestamp_seconds"), family.name
    labels = {
        label
        for metric in vars(metrics).values()
        if hasattr(metric, "_labelnames")
        for label in metric._labelnames
    }
    assert labels and not labels & UNBOUNDED_LABELS


def test_decisions_are_counted_by_outcome_and_reason() -> None:
    before = {
        key: sample("casebook_intake_messages_decided_total", labels)
        for key, labels in {
            "accepted": {"outcome": "accepted", "reason": ""},
            "duplicate": {"outcome": "duplicate", "reason": ""},
            "bad_json": {"outcome": "rejected", "reason": "invalid_json"},
            "order": {"outcome": "rejected", "reason": "out_of_order"},
        }.items()
    }
    metrics.count_decided(7, 2, ["invalid_json", "out_of_order", "invalid_json"])
    assert (
        sample("casebook_intake_messages_decided_total", {"outcome": "accepted", "reason": ""})
        == before["accepted"] + 7
    )
    assert (
        sample("casebook_intake_messages_decided_total", {"outcome": "duplicate", "reason": ""})
        == before["duplicate"] + 2
    )
    assert (
        sample(
            "casebook_intake_messages_decided_total",
            {"outcome": "rejected", "reason": "invalid_json"},
        )
        == before["bad_json"] + 2
    )
    assert (
        sample(
            "casebook_intake_messages_decided_total",
            {"outcome": "rejected", "reason": "out_of_order"},
        )
        == before["order"] + 1
    )


class FetchedConsumer:
    """What `observe_lag` reads of a consumer: its assignment, highwaters and positions."""

    def __init__(self, ends: dict[int, int | None], positions: dict[int, int]) -> None:
        self._ends = {TopicPartition("lag.topic", p): end for p, end in ends.items()}
        self._positions = {TopicPartition("lag.topic", p): at for p, at in positions.items()}

    def assignment(self) -> set[TopicPartition]:
        return set(self._ends)

    def highwater(self, partition: TopicPartition) -> int | None:
        return self._ends[partition]

    def position(self, partition: TopicPartition, timeout_ms: int | None = None) -> int:
        return self._positions[partition]


def test_lag_is_the_end_minus_the_further_of_store_and_position_per_partition() -> None:
    # 0: 10 stored of 25; 1: stored to offset 4, the position past the commit marker (6 of 6);
    # 2: never fetched (no highwater): not reported as 0.
    consumer = FetchedConsumer({0: 25, 1: 6, 2: None}, {0: 10, 1: 6, 2: 0})
    stored = {0: 10, 1: 5, 2: 0}
    total = metrics.observe_lag("lagtest", consumer, lambda tp: stored[tp.partition])
    assert total == (15, 1)
    lag = {
        p: metrics.REGISTRY.get_sample_value(
            "casebook_consumer_lag_records",
            {"role": "lagtest", "topic": "lag.topic", "partition": str(p)},
        )
        for p in (0, 1, 2)
    }
    assert lag == {0: 15.0, 1: 0.0, 2: None}


def test_the_newest_event_time_only_moves_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    first = datetime(2026, 3, 1, 12, tzinfo=UTC)
    newest = metrics.observe_newest("newtest", 0.0, [first])
    older = metrics.observe_newest("newtest", newest, [datetime(2026, 2, 1, tzinfo=UTC)])
    assert older == newest == first.timestamp()
    assert (
        metrics.REGISTRY.get_sample_value(
            "casebook_newest_event_timestamp_seconds", {"role": "newtest"}
        )
        == first.timestamp()
    )
    assert metrics.observe_newest("newtest", newest, []) == newest


@pytest.fixture
def health() -> Any:
    problems: dict[str, Any] = {"value": {}}

    def readiness() -> dict[str, str]:
        value = problems["value"]
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[no-any-return]

    server = HealthServer("127.0.0.1", 0, readiness).start()
    yield server, problems
    server.close()


def test_the_operations_port_answers_metrics_liveness_and_readiness(health: Any) -> None:
    server, problems = health
    base = f"http://127.0.0.1:{server.port}"
    metrics.count_decided(1, 0, [])
    status, body = get(f"{base}/metrics")
    assert status == 200 and "casebook_intake_messages_decided_total{" in body
    assert get(f"{base}/healthz") == (200, json.dumps({"status": "alive"}))
    status, body = get(f"{base}/readyz")
    assert status == 200 and json.loads(body) == {"status": "ready", "problems": {}}
    problems["value"] = {"intake": "no partition assigned"}
    status, body = get(f"{base}/readyz")
    assert status == 503 and json.loads(body)["problems"] == {"intake": "no partition assigned"}
    problems["value"] = RuntimeError("store gone")
    status, body = get(f"{base}/readyz")
    assert status == 503 and json.loads(body)["problems"] == {"process": "RuntimeError: store gone"}
    assert get(f"{base}/healthz")[0] == 200  # alive, whatever readiness says
    assert get(f"{base}/nothing")[0] == 404


class FlakyWorker:
    """Fails its first `failures` steps as a broker away would, then works and is idle."""

    built = 0

    def __init__(self, failures: int, problem: str | None = None) -> None:
        self._failures = failures
        self.problem = problem
        FlakyWorker.built += 1

    def step(self, timeout_ms: int = 200) -> int:
        if self._failures:
            self._failures -= 1
            raise KafkaConnectionError("broker away")
        return 0

    def idle(self) -> bool:
        return True

    def readiness(self) -> str | None:
        return self.problem

    def close(self) -> None:
        pass


def test_a_role_backing_off_is_not_ready_and_its_restarts_are_counted_by_cause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("consumers.supervision.BACKOFF_START_S", 0.05)
    labels = {"role": "flaky", "cause": "KafkaConnectionError"}
    restarts = sample("casebook_role_restarts_total", labels)
    waited = sample("casebook_role_backoff_seconds_total", labels)
    workers = iter([FlakyWorker(1), FlakyWorker(1), FlakyWorker(0)])
    slot = Slot("flaky", build=lambda: (next(workers), lambda: None))  # type: ignore[arg-type,return-value]
    assert slot.readiness() == "starting"
    seen: list[str | None] = []
    stop = threading.Event()
    supervisor = Supervisor([slot])

    def watch(all_idle: bool, progress: int) -> None:
        seen.append(slot.readiness())
        if all_idle and slot.failures == 0:
            stop.set()

    supervisor.run(stop=stop, on_status=watch)
    assert sample("casebook_role_restarts_total", labels) == restarts + 2
    assert sample("casebook_role_backoff_seconds_total", labels) == pytest.approx(
        waited + 0.05 + 0.1
    )
    assert any(
        s and s.startswith("retrying after") and "KafkaConnectionError: broker away" in s
        for s in seen
    )
    assert seen[-1] is None  # worked again: ready
    assert sample("casebook_role_ready", {"role": "flaky"}) in (0.0, 1.0)


def test_a_worker_s_own_readiness_is_the_role_s() -> None:
    worker = FlakyWorker(0, problem="no partition assigned")
    slot = Slot("own", build=lambda: (worker, lambda: None))  # type: ignore[arg-type,return-value]
    slot.ensure()
    supervisor = Supervisor([slot])
    assert supervisor.readiness() == {"own": "no partition assigned"}
    worker.problem = None
    assert supervisor.readiness() == {}


def test_each_process_has_its_own_port_from_the_base() -> None:
    settings = Settings(metrics_port=9400)
    ports = {
        roles: operations_port(settings, roles)
        for roles in (("intake",), ("relay",), ("projections",), ("serve",), ("intake", "relay"))
    }
    assert list(ports.values()) == [9400, 9401, 9402, 9403, 9404]
    assert operations_port(Settings(), ("intake",)) is None


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(metrics_port=port - 2)
        with pytest.raises(
            OperationsPortUnavailable, match=f"cannot listen on 127.0.0.1:{port}.*projections"
        ):
            start_operations(settings, ("projections",), dict)


class Coordinator:
    coordinator_id: int | None = 1


class Client:
    def __init__(self) -> None:
        self.up = True

    def connected(self, node: int) -> bool:
        return self.up


class GroupConsumer(FetchedConsumer):
    """A fetched consumer with a group coordinator and a connection to it."""

    def __init__(self, ends: dict[int, int | None], positions: dict[int, int]) -> None:
        super().__init__(ends, positions)
        self._coordinator = Coordinator()
        self._client = Client()
        self.assigned = True

    def assignment(self) -> set[TopicPartition]:
        return super().assignment() if self.assigned else set()


def test_a_consumer_is_ready_when_in_contact_assigned_fetched_and_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("consumers.metrics.LAG_EVERY_S", 0.0)
    consumer = GroupConsumer({0: 100, 1: None}, {0: 0, 1: 0})
    stored = {0: 40, 1: 0}
    health = ConsumerHealth("healthtest", consumer, lambda tp: stored[tp.partition], max_lag=50)  # type: ignore[arg-type]
    assert health.problem == "not started"
    health.check()
    assert health.problem == "the ends of 1 partition(s) not fetched yet"
    consumer._ends[TopicPartition("lag.topic", 1)] = 0
    health.check()
    assert health.problem == "60 records behind (the bound is 50)"
    stored[0] = 60
    health.check()
    assert health.problem is None and health.lag == 40
    consumer._client.up = False
    health.check()
    assert health.problem == "no contact with the group coordinator (broker unreachable?)"
    consumer._client.up = True
    consumer._coordinator.coordinator_id = None
    health.check()
    assert health.problem is not None and "coordinator" in health.problem
    consumer._coordinator.coordinator_id = 1
    consumer.assigned = False
    health.check()
    assert health.problem == "no partition assigned"
