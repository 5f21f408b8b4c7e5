"""Shared fixtures: a real Apache Kafka broker and a real PostgreSQL server, started lazily.

Both servers are session-scoped and start only when a test asks for them (directly or via
a factory), so `tests/unit` runs without either. They listen on test ports of their own
(Kafka 29092/29093, PostgreSQL 25432) with state under `var/test`, so a developer's
`casebook broker start` on the default ports is left alone. Two test sessions can run side
by side when one of them moves all four elsewhere: `CASEBOOK_TEST_KAFKA_PORT`,
`CASEBOOK_TEST_KAFKA_CONTROLLER_PORT`, `CASEBOOK_TEST_POSTGRES_PORT`, `CASEBOOK_TEST_DATA_DIR`. Both are stopped when the
session ends: no JVM or postmaster outlives the test run. Nothing here skips: if a server
cannot start, the tests that need it fail with the reason.

Every test gets fresh names (topics, groups, databases, topic prefixes) so tests never
see each other's data and the servers can be shared.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from kafka.admin import KafkaAdminClient

from casebook.settings import Settings
from infra.kafka.broker import LocalBroker
from infra.postgres.server import LocalPostgres, PostgresParams

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = Path(os.environ.get("CASEBOOK_TEST_DATA_DIR") or ROOT / "var" / "test").resolve()
# Shared with `scripts/bootstrap.sh` (data_dir ./var), so the jars are downloaded once.
CACHE_DIR = ROOT / "var" / "cache"

TEST_KAFKA_PORT = int(os.environ.get("CASEBOOK_TEST_KAFKA_PORT") or 29092)
TEST_KAFKA_CONTROLLER_PORT = int(os.environ.get("CASEBOOK_TEST_KAFKA_CONTROLLER_PORT") or 29093)
TEST_POSTGRES_PORT = int(os.environ.get("CASEBOOK_TEST_POSTGRES_PORT") or 25432)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs a real Kafka broker or PostgreSQL server (tests/integration)"
    )
    config.addinivalue_line(
        "markers", "faults: kills processes and servers mid-stream (tests/faults, slow)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    integration_dir = ROOT / "tests" / "integration"
    faults_dir = ROOT / "tests" / "faults"
    cluster_dir = ROOT / "tests" / "cluster"
    for item in items:
        parents = Path(item.path).parents
        if integration_dir in parents:
            item.add_marker(pytest.mark.integration)
        if faults_dir in parents or cluster_dir in parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.faults)


def fresh_name(kind: str) -> str:
    return f"test-{kind}-{uuid.uuid4().hex[:12]}"


# ---- servers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """The bootstrap address (`127.0.0.1:29092` by default) of a real single-node Apache Kafka broker."""
    broker = LocalBroker(
        data_dir=TEST_DATA_DIR / "kafka",
        port=TEST_KAFKA_PORT,
        controller_port=TEST_KAFKA_CONTROLLER_PORT,
        cache_dir=CACHE_DIR,
    )
    try:
        yield broker.start(timeout=90)
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def local_postgres() -> Iterator[LocalPostgres]:
    """The running test PostgreSQL server itself (for creating and dropping databases)."""
    server = LocalPostgres(data_dir=TEST_DATA_DIR, port=TEST_POSTGRES_PORT)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server(local_postgres: LocalPostgres) -> PostgresParams:
    """Connection parameters of a real PostgreSQL server on 127.0.0.1:25432 (by default): the
    application role `casebook` (password `casebook`) and its database `casebook`."""
    return local_postgres.params


@pytest.fixture(scope="session")
def kafka_admin(kafka_broker: str) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker)
    yield admin
    admin.close()


# ---- fresh names --------------------------------------------------------------------------


@pytest.fixture
def topic_factory(kafka_admin: KafkaAdminClient) -> Iterator[Callable[..., str]]:
    """`topic_factory(partitions=1, name=None) -> str`: create a fresh topic, deleted after."""
    created: list[str] = []

    def create(partitions: int = 1, name: str | None = None) -> str:
        topic = name or fresh_name("topic")
        kafka_admin.create_topics(
            {topic: {"num_partitions": partitions, "replication_factor": 1}},
            wait_for_metadata=True,
        )
        created.append(topic)
        return topic

    yield create
    if created:
        kafka_admin.delete_topics(created, raise_errors=False)


@pytest.fixture
def group_factory() -> Callable[[], str]:
    """`group_factory() -> str`: a consumer group id no other test uses."""
    return lambda: fresh_name("group")


@pytest.fixture
def postgres_database_factory(local_postgres: LocalPostgres) -> Iterator[Callable[[], str]]:
    """`postgres_database_factory() -> str`: a fresh database owned by the application
    role; every database it made is dropped at teardown."""
    created: list[str] = []

    def create() -> str:
        name = fresh_name("db").replace("-", "_")
        created.append(local_postgres.create_database(name))
        return name

    yield create
    for name in created:
        local_postgres.drop_database(name)


@pytest.fixture
def settings_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Settings]:
    """`settings_factory(store="sqlite", *, kafka=True, **overrides) -> Settings`.

    Settings pointed at the test broker with a fresh topic prefix and a fresh data_dir.
    The broker starts only when `kafka` is true (the address is set either way); with
    `store="postgres"` the settings name a fresh database on the test PostgreSQL server.
    Keyword `overrides` are any other Settings fields and win over everything above.
    """

    def create(
        store: Literal["sqlite", "postgres"] = "sqlite", *, kafka: bool = True, **overrides: Any
    ) -> Settings:
        bootstrap = f"127.0.0.1:{TEST_KAFKA_PORT}"
        if kafka:
            bootstrap = request.getfixturevalue("kafka_broker")
        values: dict[str, Any] = {
            "data_dir": tmp_path_factory.mktemp("casebook"),
            "kafka_bootstrap": bootstrap,
            "kafka_port": TEST_KAFKA_PORT,
            "kafka_controller_port": TEST_KAFKA_CONTROLLER_PORT,
            "topic_prefix": f"{fresh_name('run')}.",
            "store": store,
        }
        if store == "postgres":
            params: PostgresParams = request.getfixturevalue("postgres_server")
            database_factory = request.getfixturevalue("postgres_database_factory")
            values.update(
                postgres_host=params.host,
                postgres_port=params.port,
                postgres_user=params.user,
                postgres_password=params.password,
                postgres_dbname=database_factory(),
            )
        values.update(overrides)
        return Settings(**values)

    return create
