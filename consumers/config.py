"""What the Kafka-facing processes are told, as small frozen objects built by the composition
root (`casebook.settings.Settings.kafka()`, `.stores()`, `.intake()`).

Each worker and store receives only the part it needs, and nothing here reads the
environment or imports the composition root: a test or another program builds these
directly. Secrets are plain strings here (the settings unwrap them once) and are kept out
of every repr, so a config printed in a log or an error shows no password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from domain.sources import Source

StoreKind = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class KafkaConfig:
    """How to reach the cluster, what Casebook's topics are called and how they are made."""

    bootstrap: str = "127.0.0.1:19092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None
    topic_prefix: str = ""
    partitions: int = 6
    replication_factor: int | None = None
    min_insync_replicas: int | None = None
    evidence_retention_ms: int = -1
    batch_size: int = 500
    """Most records taken per poll (one store transaction)."""
    ready_max_lag: int = 1000
    """A consuming role further behind than this (records, summed over its partitions) is
    not ready."""

    def topic(self, name: str) -> str:
        """The full name of one of Casebook's topics (`casebook.intake` ...) under the prefix."""
        return f"{self.topic_prefix}{name}"

    def client_config(self) -> dict[str, object]:
        """Connection settings shared by every kafka-python client (never logged: holds secrets)."""
        config: dict[str, object] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = self.sasl_password
        if self.ssl_cafile:
            config["ssl_cafile"] = str(self.ssl_cafile)
        return config

    def describe(self) -> str:
        """Who we are to the cluster, for errors: never the password."""
        who = f"{self.bootstrap} over {self.security_protocol}"
        if self.sasl_mechanism:
            who += f" (SASL {self.sasl_mechanism} as {self.sasl_username!r})"
        return who


@dataclass(frozen=True)
class PostgresConfig:
    host: str = "127.0.0.1"
    port: int = 15432
    dbname: str = "casebook"
    user: str = "casebook"
    password: str = field(default="casebook", repr=False)


@dataclass(frozen=True)
class StoreConfig:
    """Where the event store and the views live: SQLite files in `data_dir`, or PostgreSQL."""

    kind: StoreKind = "sqlite"
    data_dir: Path = Path("./var")
    postgres: PostgresConfig = PostgresConfig()


@dataclass(frozen=True)
class IntakeConfig:
    """The intake's own knobs: its case cache and the upstream sources it checks (1.2)."""

    cached_cases: int = 2048
    sources: Mapping[str, Source] = field(default_factory=dict, repr=False)
    """Every declared source (`casebook publish --source` signs as one of them)."""
    auth_required: bool = False

    def required_sources(self) -> dict[str, Source] | None:
        """The sources the intake checks records against, or None when it believes actors."""
        return dict(self.sources) if self.auth_required else None
