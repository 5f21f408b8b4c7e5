"""`casebook broker start --secure`: SASL/SCRAM logins only and ACLs, on a real broker.

The broker is started by the CLI, as a user would, on ports of its own. The broker refuses
a client that does not log in; the upstream principal may write the intake and nothing
else (never the events topic, which only the engine's principal writes); and the engine,
logged in as its own principal, still rejects what a declared source did not sign or may
not say, and accepts what a rotated secret signed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError, TopicAuthorizationFailedError

from casebook.settings import Settings
from tests.conftest import TEST_KAFKA_PORT
from tests.faults.conftest import fresh_dir
from tests.integration.engine_support import casebook_json, read_topic, run_until_idle, topics
from tests.integration.test_signed_sources_live import (
    DESK_NEW,
    DESK_OLD,
    PORTAL_SECRET,
    SOURCES,
    message,
    send,
)

SECURE_PORT = TEST_KAFKA_PORT + 500
OTHER_CASE = json.dumps(
    {
        "message_id": "m-0",
        "case_id": "C-0",
        "type": "case.opened",
        "at": "2026-10-01T09:00:00Z",
        "actor": {"id": "cust-1", "role": "customer"},
        "customer": {"id": "cust-1", "tier": "enterprise"},
        "severity": 3,
    }
).encode()
PREFIX = "secured."
CASEBOOK = str(Path(sys.executable).parent / "casebook")


def broker_command(
    data_dir: Path, *args: str, port: int = SECURE_PORT
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "CASEBOOK_DATA_DIR": str(data_dir),
        "CASEBOOK_KAFKA_PORT": str(port),
        "CASEBOOK_KAFKA_CONTROLLER_PORT": str(port + 1),
        "CASEBOOK_TOPIC_PREFIX": PREFIX,
    }
    return subprocess.run(
        [CASEBOOK, "broker", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def secured() -> Iterator[Path]:
    """The data dir of a broker `casebook broker start --secure` started."""
    data_dir = fresh_dir("secure-broker")
    started = broker_command(data_dir, "start", "--secure")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.splitlines()[-1] == f"127.0.0.1:{SECURE_PORT}"
        yield data_dir
    finally:
        broker_command(data_dir, "stop")


def login(data_dir: Path, who: str, home: str = "kafka") -> dict[str, str]:
    """The settings `start --secure` wrote for `who` ("engine" or "upstream")."""
    lines = (data_dir / home / f"{who}.env").read_text().splitlines()
    return {
        key.removeprefix("CASEBOOK_").lower(): value
        for key, value in (line.split("=", 1) for line in lines)
    }


def as_principal(factory: Callable[..., Settings], data_dir: Path, who: str) -> Settings:
    return factory(
        kafka=False,
        topic_prefix=PREFIX,
        partitions=1,
        intake_auth="required",
        intake_sources=SOURCES,
        **login(data_dir, who),
    )


def test_the_clients_settings_are_private_and_name_their_principal(secured):
    for who, user in (("engine", "casebook-engine"), ("upstream", "casebook-upstream")):
        path = secured / "kafka" / f"{who}.env"
        assert path.stat().st_mode & 0o077 == 0
        assert login(secured, who)["kafka_sasl_username"] == user
    assert (secured / "kafka" / "credentials.json").stat().st_mode & 0o077 == 0


def test_a_client_that_does_not_log_in_is_refused_by_the_broker(secured):
    for login_settings in (
        {},  # no SASL at all
        {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-256",
            "sasl_plain_username": "casebook-upstream",
            "sasl_plain_password": "not-the-password",
        },
    ):
        producer = None
        with pytest.raises(KafkaTimeoutError):
            producer = KafkaProducer(
                bootstrap_servers=f"127.0.0.1:{SECURE_PORT}", max_block_ms=5000, **login_settings
            )
            producer.send(f"{PREFIX}casebook.intake", b"{}").get(10)
        if producer is not None:
            producer.close()
    log = (secured / "kafka" / "logs" / "server.out").read_text(errors="replace")
    assert "during SASL handshake" in log  # the broker itself turned the plain client away


def test_upstream_may_write_the_intake_and_nothing_else(secured, settings_factory):
    engine = as_principal(settings_factory, secured, "engine")
    run_until_idle(engine)  # the engine creates its topics, as its own principal
    upstream = as_principal(settings_factory, secured, "upstream")
    producer = KafkaProducer(**upstream.kafka_client_config(), max_block_ms=10_000)
    try:
        send(upstream, OTHER_CASE, "portal", PORTAL_SECRET)  # a real record: it may write that
        with pytest.raises(TopicAuthorizationFailedError):  # ... and not another topic of ours
            producer.send(topics(upstream).rejected, key=b"C-0", value=b"{}").get(30)
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(topics(upstream).events, key=b"C-0", value=b"{}").get(30)
    finally:
        producer.close()
    events = topics(upstream).events
    readers = {}
    for who, settings in (("upstream", upstream), ("engine", engine)):
        consumer = KafkaConsumer(**settings.kafka_client_config())
        try:  # what the broker tells each principal about the events topic
            readers[who] = consumer.partitions_for_topic(events)
        finally:
            consumer.close()
    assert not readers["upstream"] and readers["engine"] == {0}  # denied: no partitions


def test_on_the_secured_broker_forged_and_wrong_source_records_are_rejected_rotated_accepted(
    secured, settings_factory
):
    engine = as_principal(settings_factory, secured, "engine")
    upstream = as_principal(settings_factory, secured, "upstream")
    run_until_idle(engine)
    opened = message(
        1,
        "case.opened",
        "customer",
        "cust-1",
        customer={"id": "cust-1", "tier": "enterprise"},
        severity=2,
    )
    forged = message(2, "case.responded", "engineer", "eng-fake", body="all fine")
    wrong_source = message(2, "case.closed", "engineer", "eng-1")  # the portal as an engineer
    rotated = message(3, "case.responded", "engineer", "eng-1", body="looking")
    send(upstream, opened, "portal", PORTAL_SECRET)
    send(upstream, forged, "desk", "x" * 40)  # a guessed secret
    send(upstream, wrong_source, "portal", PORTAL_SECRET)
    send(upstream, rotated, "desk", DESK_OLD)  # the old secret, still declared
    run_until_idle(engine)

    audit = casebook_json(engine, "audit", "C-1")
    named = [(e["message_id"], e.get("source")) for e in audit["events"]]
    assert named == [("m-1", "portal"), ("m-3", "desk")]
    assert audit["verification"]["verdict"] == "ok"
    reasons = sorted(entry["reason"] for entry in casebook_json(engine, "rejected"))
    assert reasons == ["source_not_allowed", "unauthenticated"]
    published = read_topic(engine, topics(engine).events)
    assert {json.loads(record.value)["source"] for record in published} == {"portal", "desk"}
    assert DESK_NEW not in json.dumps(audit)
