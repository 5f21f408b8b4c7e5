"""`casebook broker start --secure --nodes 3`: a replicated cluster with logins and ACLs.

Every node refuses clients that do not log in, replicates between nodes as its own super
user, and enforces the same ACLs as the single secured broker: the upstream principal
writes the intake (acknowledged by all in-sync replicas) and not the events topic; the
engine's principal creates Casebook's topics, replicated 3, and runs on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaTimeoutError, TopicAuthorizationFailedError

from tests.conftest import TEST_KAFKA_PORT
from tests.faults.conftest import fresh_dir
from tests.faults.test_secure_broker import OTHER_CASE, PREFIX, broker_command, login
from tests.integration.engine_support import casebook_json, run_until_idle, topics
from tests.integration.test_signed_sources_live import PORTAL_SECRET, SOURCES, send

PORT = TEST_KAFKA_PORT + 600
NODES = 3


@pytest.fixture(scope="module")
def secured_cluster() -> Iterator[Path]:
    data_dir = fresh_dir("secure-cluster")
    started = broker_command(data_dir, "start", "--secure", "--nodes", str(NODES), port=PORT)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield data_dir
    finally:
        broker_command(data_dir, "stop", port=PORT)


def test_a_secured_cluster_refuses_strangers_and_holds_its_acls(secured_cluster, settings_factory):
    bootstrap = ",".join(f"127.0.0.1:{PORT + 2 * n}" for n in range(NODES))
    for node in bootstrap.split(","):  # every node refuses a client that does not log in
        with pytest.raises(KafkaTimeoutError):
            KafkaProducer(bootstrap_servers=node, max_block_ms=3000).send("x", b"{}").get(5)

    def principal(who: str):
        return settings_factory(
            kafka=False,
            topic_prefix=PREFIX,
            partitions=1,
            intake_auth="required",
            intake_sources=SOURCES,
            **login(secured_cluster, who, home="kafka-cluster"),
        )

    engine, upstream = principal("engine"), principal("upstream")
    assert engine.kafka_bootstrap == bootstrap
    run_until_idle(engine)  # creates the topics as the engine's principal
    admin = KafkaAdminClient(**engine.kafka_client_config())
    try:
        (described,) = admin.describe_topics([topics(engine).intake])
        assert [len(p["replica_nodes"]) for p in described["partitions"]] == [3]
    finally:
        admin.close()
    send(upstream, OTHER_CASE, "portal", PORTAL_SECRET)
    producer = KafkaProducer(**upstream.kafka_client_config(), acks="all", max_block_ms=10_000)
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(topics(upstream).events, key=b"C-0", value=b"{}").get(30)
    finally:
        producer.close()
    run_until_idle(engine)
    audit = casebook_json(engine, "audit", "C-0")
    assert [(e["type"], e.get("source")) for e in audit["events"]] == [("Opened", "portal")]
    assert audit["verification"]["verdict"] == "ok"
