"""One typed settings object, read from `CASEBOOK_*` environment variables.

Nothing reads the environment anywhere else: the object is built once at the edge
(the CLI, a test fixture) and passed in explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import parse as parse_rate
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from consumers.config import IntakeConfig, KafkaConfig, PostgresConfig, StoreConfig
from domain.sources import Source

DEFAULT_KAFKA_PORT = 19092
DEFAULT_KAFKA_CONTROLLER_PORT = 19093
DEFAULT_POSTGRES_PORT = 15432
DEFAULT_POSTGRES_PASSWORD = "casebook"

API_ROLES = ("analyst", "auditor", "admin")
# A bearer token is a password no one types: long enough that guessing it is hopeless.
MIN_TOKEN_LENGTH = 32
MIN_SECRET_CHARS = 32


class SourceSetting(BaseModel):
    """One declared upstream source (contract 1.2): its secrets, whom it may speak for."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    secrets: list[SecretStr] = Field(min_length=1, max_length=2)
    roles: list[Literal["customer", "engineer", "system"]] = Field(min_length=1)
    customer_ids: list[str] | None = None

    @field_validator("secrets")
    @classmethod
    def _secrets_are_long(cls, secrets: list[SecretStr]) -> list[SecretStr]:
        # Checked here, so no error message ever shows a secret.
        if any(len(secret.get_secret_value()) < MIN_SECRET_CHARS for secret in secrets):
            raise ValueError(
                f"every source secret must have at least {MIN_SECRET_CHARS} characters"
            )
        return secrets


class Settings(BaseSettings):
    """Everything a Casebook process can be told from outside."""

    # Inputs stay out of validation errors: some fields are secrets (passwords, API tokens).
    model_config = SettingsConfigDict(
        env_prefix="CASEBOOK_", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Field(
        default=Path("./var"), description="Where SQLite stores, broker data and caches live."
    )
    kafka_bootstrap: str = Field(
        default=f"127.0.0.1:{DEFAULT_KAFKA_PORT}",
        description="Kafka bootstrap servers, comma-separated.",
    )
    kafka_port: int = Field(
        default=DEFAULT_KAFKA_PORT, description="Port of the local broker `casebook broker` runs."
    )
    kafka_controller_port: int = Field(default=DEFAULT_KAFKA_CONTROLLER_PORT)
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    topic_prefix: str = Field(default="", description="Prepended to every topic name.")
    partitions: int = Field(
        default=6, ge=1, description="Partitions of the topics Casebook creates."
    )
    replication_factor: int | None = Field(
        default=None,
        ge=1,
        description="Replication factor of every topic Casebook creates; unset: the cluster's"
        " default.replication.factor (1 on the local broker, 3 on `casebook broker start"
        " --nodes 3`).",
    )
    min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        description="min.insync.replicas of every topic Casebook creates; unset: the cluster's.",
    )
    evidence_retention_ms: int = Field(
        default=-1,
        ge=-1,
        description="retention.ms of the intake, rejected and events topics Casebook creates:"
        " -1 (the default) keeps the evidence for good; `casebook rebuild` and every auditor"
        " read the events topic from its first record. Breach warnings keep the broker's.",
    )
    batch_size: int = Field(
        default=500, ge=1, description="Most records taken per poll (one store transaction)."
    )
    replay_hot_cases: int = Field(
        default=4096,
        ge=1,
        description="Cases `casebook replay` keeps in memory; the others wait in a scratch file.",
    )
    intake_cached_cases: int = Field(
        default=2048,
        ge=1,
        description="Cases the intake keeps decided in memory (least recently used first out);"
        " others are read from the store when a message comes for them.",
    )
    process_per_role: bool = Field(
        default=True,
        description="`casebook run` of several roles: a process per role (every core in use);"
        " false: one process, a thread per role.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535 - 4,
        description="Base port of the operations endpoints (/metrics, /healthz, /readyz):"
        " intake +0, relay +1, projections +2, `casebook serve` +3, several roles in one"
        " process +4; unset: none served.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the operations endpoints listen on."
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="json: one JSON object per log line (time, level, role, event, fields).",
    )
    ready_max_lag: int = Field(
        default=1000,
        ge=0,
        description="A consuming role further behind than this many records is not ready.",
    )
    store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_host: str = "127.0.0.1"
    postgres_port: int = DEFAULT_POSTGRES_PORT
    postgres_dbname: str = "casebook"
    postgres_user: str = "casebook"
    postgres_password: SecretStr = SecretStr(DEFAULT_POSTGRES_PASSWORD)
    policy_file: Path | None = Field(
        default=None, description="A policy JSON file; the shipped default when unset."
    )
    api_tokens: dict[str, str] = Field(
        default_factory=dict,
        repr=False,  # secrets: kept out of reprs and logs
        description='Bearer tokens of `casebook serve`, as JSON: {"TOKEN": "analyst"|"auditor"|"admin"}.',
    )
    api_workers: int = Field(
        default=4,
        ge=1,
        description="`casebook serve`: data requests computed at once; more wait, while /health"
        " keeps answering.",
    )
    api_header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="`casebook serve`: seconds a connection may take to send a request's"
        " headers before it is closed.",
    )
    api_connection_limit: int = Field(
        default=256,
        ge=1,
        description="`casebook serve`: open connections (and requests in flight) beyond"
        " which a request is answered 503.",
    )
    api_failed_auth_limit: str = Field(
        default="20/minute",
        description="`casebook serve`: failed authentications an address may make (a"
        ' `limits` rate such as "20/minute") before every request from it is answered 429.',
    )

    intake_sources: dict[str, SourceSetting] = Field(
        default_factory=dict,
        repr=False,
        description='Declared upstream sources (contract 1.2), as JSON: {"NAME": {"secrets":'
        ' ["..."], "roles": ["customer"], "customer_ids": ["..."]}}; two secrets while rotating.',
    )
    intake_auth: Literal["off", "required"] = Field(
        default="off",
        description="required: every intake record must be signed by a declared source"
        " (`unauthenticated` / `source_not_allowed` otherwise); off: actors are believed.",
    )

    @model_validator(mode="after")
    def _auth_needs_sources(self) -> Settings:
        if self.intake_auth == "required" and not self.intake_sources:
            raise ValueError("CASEBOOK_INTAKE_AUTH=required needs CASEBOOK_INTAKE_SOURCES")
        return self

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _tokens_are_text_to_text(cls, tokens: object) -> object:
        # Before the type's own check, whose error would name the offending key: a token.
        if not isinstance(tokens, dict) or not all(
            isinstance(token, str) and isinstance(role, str) for token, role in tokens.items()
        ):
            raise ValueError('must be a JSON object of "token": "role" pairs')
        return tokens

    @field_validator("api_tokens")
    @classmethod
    def _tokens_are_not_blank_and_roles_known(cls, tokens: dict[str, str]) -> dict[str, str]:
        # Checked here rather than by the type, so no error message ever names a token.
        if any(not token.strip() for token in tokens):
            raise ValueError("an API token may not be empty")
        if any(len(token) < MIN_TOKEN_LENGTH for token in tokens):
            raise ValueError(f"every API token must be at least {MIN_TOKEN_LENGTH} characters")
        if any(role not in API_ROLES for role in tokens.values()):
            raise ValueError(f"every API token's role must be one of {', '.join(API_ROLES)}")
        return tokens

    @field_validator("api_failed_auth_limit")
    @classmethod
    def _rate_is_readable(cls, rate: str) -> str:
        try:
            parse_rate(rate)
        except ValueError:
            raise ValueError('must be a rate such as "20/minute" or "5 per second"') from None
        return rate

    def secret_values(self) -> list[str]:
        """Every secret this process was given, for the logs to blank (`casebook.logs`).
        The shipped PostgreSQL password is public (the README names it): not blanked."""
        secrets = [*self.api_tokens]
        secrets += [s.get_secret_value() for d in self.intake_sources.values() for s in d.secrets]
        if self.kafka_sasl_password is not None:
            secrets.append(self.kafka_sasl_password.get_secret_value())
        if self.postgres_password.get_secret_value() != DEFAULT_POSTGRES_PASSWORD:
            secrets.append(self.postgres_password.get_secret_value())
        return secrets

    def topic(self, name: str) -> str:
        """The full name of one of Casebook's topics (`casebook.intake` ...) under the prefix."""
        return self.kafka().topic(name)

    def kafka_client_config(self) -> dict[str, object]:
        """Connection settings shared by every kafka-python client (never logged: holds secrets)."""
        return self.kafka().client_config()

    def kafka(self) -> KafkaConfig:
        """What the Kafka-facing workers are told: the cluster, the topics, the batch size."""
        return KafkaConfig(
            bootstrap=self.kafka_bootstrap,
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=(
                self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
            ),
            ssl_cafile=self.kafka_ssl_cafile,
            topic_prefix=self.topic_prefix,
            partitions=self.partitions,
            replication_factor=self.replication_factor,
            min_insync_replicas=self.min_insync_replicas,
            evidence_retention_ms=self.evidence_retention_ms,
            batch_size=self.batch_size,
            ready_max_lag=self.ready_max_lag,
        )

    def stores(self) -> StoreConfig:
        """Where the event store and the views live."""
        return StoreConfig(
            kind=self.store,
            data_dir=self.data_dir,
            postgres=PostgresConfig(
                host=self.postgres_host,
                port=self.postgres_port,
                dbname=self.postgres_dbname,
                user=self.postgres_user,
                password=self.postgres_password.get_secret_value(),
            ),
        )

    def intake(self) -> IntakeConfig:
        """The intake's cache size and the declared sources, their secrets as UTF-8 bytes."""
        return IntakeConfig(
            cached_cases=self.intake_cached_cases,
            sources={
                name: Source(
                    name=name,
                    secrets=tuple(
                        secret.get_secret_value().encode("utf-8") for secret in declared.secrets
                    ),
                    roles=frozenset(declared.roles),
                    customer_ids=None
                    if declared.customer_ids is None
                    else frozenset(declared.customer_ids),
                )
                for name, declared in self.intake_sources.items()
            },
            auth_required=self.intake_auth == "required",
        )
