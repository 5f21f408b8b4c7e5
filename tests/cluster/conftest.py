"""A real 3-node Apache Kafka cluster (KRaft, every node broker and controller), as
production users run one: replication 3, min ISR 2, internal topics likewise, unclean
leader election off (see `infra.kafka.properties`).

Package-scoped: started by the first test here that asks for it and stopped when this
package's tests are done, so its three JVMs do not idle beside the rest of the suite. Its
ports are offset from the session's (`CASEBOOK_TEST_KAFKA_PORT` + 400 ..., node n at
+2(n-1)); its state lives under the test data dir and is made fresh each session.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from casebook.settings import Settings
from infra.kafka.cluster import LocalCluster
from tests.conftest import CACHE_DIR, TEST_DATA_DIR, TEST_KAFKA_PORT

CLUSTER_PORT = TEST_KAFKA_PORT + 400
CLUSTER_DIR = TEST_DATA_DIR / "cluster"


@pytest.fixture(scope="package")
def kafka_cluster() -> Iterator[LocalCluster]:
    def cluster() -> LocalCluster:
        return LocalCluster(CLUSTER_DIR, CLUSTER_PORT, CLUSTER_PORT + 1, CACHE_DIR, nodes=3)

    cluster().stop()  # one left running by an interrupted run
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    fresh = cluster()
    try:
        fresh.start(timeout=180)
        yield fresh
    finally:
        fresh.stop()


@pytest.fixture
def cluster_settings(
    kafka_cluster: LocalCluster, settings_factory: Callable[..., Settings]
) -> Callable[..., Settings]:
    """`cluster_settings(store="sqlite", **overrides)`: settings on the 3-node cluster."""

    def create(store: str = "sqlite", **overrides: Any) -> Settings:
        values: dict[str, Any] = {"kafka_bootstrap": kafka_cluster.bootstrap, "partitions": 3}
        values.update(overrides)
        return settings_factory(store, kafka=False, **values)

    return create
