"""Casebook's Kafka topics: their names under the prefix, and their creation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import TopicAlreadyExistsError

from casebook.settings import Settings
from consumers.kafka_clients import make_admin

log = logging.getLogger(__name__)
REJECTED_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Topics:
    intake: str
    rejected: str
    events: str
    relay_positions: str
    warnings: str
    warnings_positions: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        return cls(
            intake=settings.topic("casebook.intake"),
            rejected=settings.topic("casebook.intake.rejected"),
            events=settings.topic("casebook.events"),
            relay_positions=settings.topic("casebook.relay.positions"),
            warnings=settings.topic("casebook.sla.warnings"),
            warnings_positions=settings.topic("casebook.sla.warnings.positions"),
        )

    def evidence(self) -> tuple[str, str, str]:
        """The topics that are the record of what happened: kept for good by default."""
        return (self.intake, self.rejected, self.events)


def ensure_topics(settings: Settings) -> Topics:
    """Create the topics that do not exist yet (idempotent).

    Intake, rejected and events get `settings.partitions` partitions (keyed by case id,
    so a case's messages stay in order) and `settings.evidence_retention_ms` (-1: kept for
    good; they are the evidence, and the views are rebuilt from the events). The relay's
    positions topic has one compacted partition: its single owner in the relay's group is
    the one active relay. An evidence topic that exists with a finite retention is warned
    about (it is the operator's to change; Casebook does not alter topics it finds).
    """
    topics = Topics.from_settings(settings)
    wanted: dict[str, dict[str, object]] = {
        name: {"num_partitions": settings.partitions, "replication_factor": 1}
        for name in (topics.intake, topics.rejected, topics.events, topics.warnings)
    }
    retention = str(settings.evidence_retention_ms)
    for evidence in topics.evidence():
        wanted[evidence]["configs"] = {"retention.ms": retention}
    # A dead letter is the original record (up to the intake topic's limit, 1 MiB by default)
    # plus our headers: the rejected topic takes more, so no rejection can be too big to keep.
    wanted[topics.rejected]["configs"] = {
        "retention.ms": retention,
        "max.message.bytes": str(REJECTED_MAX_MESSAGE_BYTES),
    }
    for positions in (topics.relay_positions, topics.warnings_positions):
        wanted[positions] = {
            "num_partitions": 1,
            "replication_factor": 1,
            "configs": {"cleanup.policy": "compact"},
        }
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = {name: spec for name, spec in wanted.items() if name not in existing}
        if missing:
            try:
                admin.create_topics(missing, wait_for_metadata=True, raise_errors=False)
                log.info("created topics %s", sorted(missing))
            except TopicAlreadyExistsError:
                pass  # another process created them between our list and create: fine
        # Every evidence topic, not only those found before creating: one made by someone
        # else a moment ago may not be listed yet (its creation here then fails quietly).
        for name, retention_ms in finite_retentions(admin, list(topics.evidence())).items():
            if retention_ms == settings.evidence_retention_ms:
                continue  # the operator's choice
            log.warning(
                "topic %s has retention.ms=%d (%s): its oldest records will be deleted, and"
                " `casebook rebuild` and auditors then read a history without them; set"
                " retention.ms=-1 on it (kafka-configs --alter) to keep the evidence",
                name,
                retention_ms,
                _days(retention_ms),
            )
    finally:
        admin.close()
    return topics


def finite_retentions(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    """The topics among `names` whose records expire (retention.ms >= 0), with it."""
    if not names:
        return {}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, ["retention.ms"]) for name in names]
    described = admin.describe_configs(resources, config_filter="all")
    found: dict[str, int] = {}
    for name, configs in described.get("topic", {}).items():
        value = configs.get("retention.ms", {}).get("value")
        if value is not None and int(value) >= 0:
            found[name] = int(value)
    return found


def _days(retention_ms: int) -> str:
    return f"{retention_ms / 86_400_000:.4g} days"


def delete_topics_under(settings: Settings, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix`; returns their names.

    For what a run made under a prefix of its own (the bench's phases): left behind, each
    run's topics stay on the broker, with their partitions, for good.
    """
    if not prefix:
        raise ValueError("refusing to delete every topic: give a prefix")
    admin = make_admin(settings)
    try:
        doomed = sorted(name for name in admin.list_topics() if name.startswith(prefix))
        if doomed:
            admin.delete_topics(doomed)
            log.info("deleted topics %s", doomed)
    finally:
        admin.close()
    return doomed
