"""The two configuration files of a local broker (a single node, or one node of a cluster), as text.

Why these values: a single node can never satisfy Kafka's replicated defaults, so it gets
replication 1 everywhere. A node of a cluster is configured as production users run one:
every topic and internal topic (consumer offsets, transaction state) replicated 3 with
min ISR 2, unclean leader election off, so losing one broker loses nothing and a write
needs two copies. Internal topics get few partitions and consumer groups no initial
rebalance delay, so a test's group joins in well under a second. Everything binds to
127.0.0.1 (never 0.0.0.0, never `localhost`, which may resolve to ::1).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from infra.kafka.security import Credentials, secure_properties

SASL_LISTENER = "SASL"
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256")


@dataclass(frozen=True)
class Membership:
    """A node's place in a local cluster: its id, every controller (`id@host:port,...`,
    a static KRaft quorum) and the replication every topic gets (min ISR one less)."""

    node_id: int
    voters: str
    replication: int

    @property
    def min_insync(self) -> int:
        return max(1, self.replication - 1)


def server_properties(
    host: str,
    port: int,
    controller_port: int,
    log_dirs: Path,
    sasl_port: int | None = None,
    sasl_users: dict[str, str] | None = None,
    membership: Membership | None = None,
    credentials: Credentials | None = None,
) -> str:
    """With `sasl_port`, a second client listener (SASL_PLAINTEXT, PLAIN and SCRAM-SHA-256)
    for `sasl_users` (name -> password); PLAINTEXT stays the inter-broker listener. With
    `membership`, a node of a cluster; without, a single node (its own quorum). With
    `credentials`, secured: SASL only, on both ports, and ACLs enforced (`security`)."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{host}:{controller_port}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dirs),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # The engine creates its topics with the partitions it wants; a typo must not
        # silently create a one-partition topic.
        "auto.create.topics.enable": "false",
    }
    if membership is not None:
        del settings["controller.quorum.bootstrap.servers"]  # a static quorum instead
        settings.update(_cluster_node(membership))
    if credentials is not None:
        settings.update(secure_properties(host, port, controller_port, credentials))
    if sasl_port is not None:
        settings.update(_sasl_listener(host, sasl_port, sasl_users or {}))
        for key in ("listeners", "advertised.listeners"):
            settings[key] += f",{SASL_LISTENER}://{host}:{sasl_port}"
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _cluster_node(membership: Membership) -> dict[str, str]:
    replicas, min_isr = str(membership.replication), str(membership.min_insync)
    return {
        "node.id": str(membership.node_id),
        "controller.quorum.voters": membership.voters,
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replicas,
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "transaction.state.log.num.partitions": "3",
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        "unclean.leader.election.enable": "false",
    }


def _sasl_listener(host: str, sasl_port: int, users: dict[str, str]) -> dict[str, str]:
    """PLAIN checks the users listed in its JAAS line; SCRAM checks the credentials stored in
    the cluster metadata (added when the storage is formatted, see `LocalBroker`)."""
    prefix = f"listener.name.{SASL_LISTENER.lower()}"
    plain_users = " ".join(f'user_{name}="{password}"' for name, password in users.items())
    return {
        "listener.security.protocol.map": (
            f"CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,{SASL_LISTENER}:SASL_PLAINTEXT"
        ),
        "sasl.enabled.mechanisms": ",".join(SASL_MECHANISMS),
        f"{prefix}.sasl.enabled.mechanisms": ",".join(SASL_MECHANISMS),
        f"{prefix}.plain.sasl.jaas.config": (
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};"
        ),
        f"{prefix}.scram-sha-256.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
    }


def log4j2_properties() -> str:
    """INFO to stdout (the launcher sends stdout to the broker's log file)."""
    return "\n".join(
        [
            "status = warn",
            "appender.console.type = Console",
            "appender.console.name = STDOUT",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.stdout.ref = STDOUT",
            "logger.kafka.name = kafka",
            "logger.kafka.level = INFO",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "",
        ]
    )


def new_cluster_id() -> str:
    """A random 22-character KRaft cluster id, never starting with '-' (read as an option)."""
    cluster_id = "-"
    while cluster_id.startswith("-"):
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    return cluster_id
