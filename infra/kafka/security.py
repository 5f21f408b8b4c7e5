"""A secured local broker or cluster: SASL/SCRAM for every client, ACLs for what each may do.

What production deployments run, on loopback: with `casebook broker start --secure` no
client gets in without a SCRAM-SHA-256 login, and what a principal may do is what the ACLs
(Kafka's StandardAuthorizer, nothing allowed where no ACL is found) grant it:

- `casebook-upstream`, the upstream services: write (and describe) the intake topic, only.
- `casebook-engine`, every Casebook role: its own topics, consumer groups and transactional
  ids (all named `<prefix>casebook...`), and describing the cluster. So only Casebook writes
  the events topic: the relay's principal, which upstream services never hold.
- `casebook-broker`, the nodes themselves (inter-broker SCRAM, controller PLAIN: a KRaft
  controller cannot check SCRAM, whose credentials live in the metadata it serves); the one
  super user. Casebook grants the ACLs with it after start.

Passwords are random, made once per broker directory and kept in `credentials.json` (0600);
`engine.env` and `upstream.env` beside it hold the `CASEBOOK_KAFKA_*` settings each needs.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourceType,
)
from kafka.errors import KafkaError

BROKER_USER = "casebook-broker"
ENGINE_USER = "casebook-engine"
UPSTREAM_USER = "casebook-upstream"
USERS = (BROKER_USER, ENGINE_USER, UPSTREAM_USER)
MECHANISM = "SCRAM-SHA-256"
LISTENER = "SASL"
CREDENTIALS_FILE = "credentials.json"


@dataclass(frozen=True)
class Credentials:
    """The password of each principal of one secured broker or cluster."""

    passwords: dict[str, str]

    @classmethod
    def load_or_create(cls, directory: Path) -> Credentials:
        """The credentials kept in `directory`, made (random, 0600) the first time."""
        path = directory / CREDENTIALS_FILE
        if path.is_file():
            return cls(json.loads(path.read_text(encoding="utf-8")))
        directory.mkdir(parents=True, exist_ok=True)
        passwords = {user: secrets.token_urlsafe(32) for user in USERS}
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(passwords, file)
        return cls(passwords)

    @staticmethod
    def exist_in(directory: Path) -> bool:
        return (directory / CREDENTIALS_FILE).is_file()

    def __repr__(self) -> str:  # never the passwords
        return f"Credentials(users={sorted(self.passwords)})"

    def client_config(self, user: str = BROKER_USER) -> dict[str, object]:
        """kafka-python's connection settings for `user`."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": user,
            "sasl_plain_password": self.passwords[user],
        }

    def format_arguments(self) -> list[str]:
        """`kafka-storage format` arguments storing every principal's SCRAM credential."""
        arguments = []
        for user, password in self.passwords.items():
            arguments += ["--add-scram", f"{MECHANISM}=[name={user},password={password}]"]
        return arguments

    def env_file(self, user: str, bootstrap: str) -> str:
        """The `CASEBOOK_KAFKA_*` settings of a client logging in as `user`."""
        return (
            f"CASEBOOK_KAFKA_BOOTSTRAP={bootstrap}\n"
            "CASEBOOK_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT\n"
            f"CASEBOOK_KAFKA_SASL_MECHANISM={MECHANISM}\n"
            f"CASEBOOK_KAFKA_SASL_USERNAME={user}\n"
            f"CASEBOOK_KAFKA_SASL_PASSWORD={self.passwords[user]}\n"
        )

    def write_env_files(self, directory: Path, bootstrap: str) -> dict[str, Path]:
        """`engine.env` and `upstream.env` (0600) in `directory`; their paths by user."""
        written = {}
        for user, name in ((ENGINE_USER, "engine.env"), (UPSTREAM_USER, "upstream.env")):
            path = directory / name
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(self.env_file(user, bootstrap))
            written[user] = path
        return written


def secure_properties(
    host: str, port: int, controller_port: int, credentials: Credentials
) -> dict[str, str]:
    """The broker settings of a secured node: one SASL listener for clients and brokers,
    a SASL (PLAIN) controller listener, the authorizer denying what no ACL allows."""
    broker_password = credentials.passwords[BROKER_USER]
    scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule required"
    plain_login = "org.apache.kafka.common.security.plain.PlainLoginModule required"
    sasl, controller = f"listener.name.{LISTENER.lower()}", "listener.name.controller"
    endpoints = f"{LISTENER}://{host}:{port},CONTROLLER://{host}:{controller_port}"
    return {
        "listeners": endpoints,
        "advertised.listeners": endpoints,
        "inter.broker.listener.name": LISTENER,
        "listener.security.protocol.map": f"CONTROLLER:SASL_PLAINTEXT,{LISTENER}:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        "sasl.mechanism.controller.protocol": "PLAIN",
        f"{sasl}.sasl.enabled.mechanisms": MECHANISM,
        f"{sasl}.{MECHANISM.lower()}.sasl.jaas.config": (
            f'{scram_login} username="{BROKER_USER}" password="{broker_password}";'
        ),
        f"{controller}.sasl.enabled.mechanisms": "PLAIN",
        f"{controller}.plain.sasl.jaas.config": (
            f'{plain_login} username="{BROKER_USER}" password="{broker_password}"'
            f' user_{BROKER_USER}="{broker_password}";'
        ),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{BROKER_USER}",
        "allow.everyone.if.no.acl.found": "false",
    }


def casebook_acls(topic_prefix: str) -> list[ACL]:
    """What the engine and the upstream services may do; nothing else is allowed."""
    everything = f"{topic_prefix}casebook"
    engine: list[tuple[ACLOperation, ResourcePattern]] = [
        (ACLOperation.ALL, _prefixed(ResourceType.TOPIC, everything)),
        (ACLOperation.ALL, _prefixed(ResourceType.GROUP, everything)),
        (ACLOperation.ALL, _prefixed(ResourceType.TRANSACTIONAL_ID, everything)),
        (ACLOperation.DESCRIBE, _cluster()),
        (ACLOperation.DESCRIBE_CONFIGS, _cluster()),
        (ACLOperation.IDEMPOTENT_WRITE, _cluster()),
    ]
    intake = ResourcePattern(ResourceType.TOPIC, f"{topic_prefix}casebook.intake")
    upstream: list[tuple[ACLOperation, ResourcePattern]] = [
        (ACLOperation.WRITE, intake),
        (ACLOperation.DESCRIBE, intake),
        (ACLOperation.IDEMPOTENT_WRITE, _cluster()),
    ]
    return [
        ACL(f"User:{user}", "*", operation, ACLPermissionType.ALLOW, pattern)
        for user, grants in ((ENGINE_USER, engine), (UPSTREAM_USER, upstream))
        for operation, pattern in grants
    ]


class SecurityError(RuntimeError):
    """The ACLs could not be granted; the message says why."""


def grant_casebook_acls(admin_config: dict[str, object], topic_prefix: str) -> None:
    """Create the ACLs as the super user of `admin_config` (again: creating an existing ACL
    changes nothing)."""
    try:
        admin = KafkaAdminClient(**admin_config)
        try:
            result = admin.create_acls(casebook_acls(topic_prefix))
        finally:
            admin.close()
    except KafkaError as error:
        raise SecurityError(f"granting the ACLs failed: {error!r}") from error
    if result["failed"]:
        raise SecurityError(f"granting the ACLs failed: {result['failed']}")


def _prefixed(resource: ResourceType, prefix: str) -> ResourcePattern:
    return ResourcePattern(resource, prefix, ACLResourcePatternType.PREFIXED)


def _cluster() -> ResourcePattern:
    return ResourcePattern(ResourceType.CLUSTER, "kafka-cluster")
