"""Casebook's Kafka topics: their names under the prefix, and their creation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka.errors import KafkaError, TopicAlreadyExistsError
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from consumers.config import KafkaConfig
from consumers.kafka_clients import make_admin
from consumers.topic_checks import warn_about_differences
from consumers.topic_spec import TopicSpec

log = logging.getLogger(__name__)
REJECTED_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
TOPICS_DEADLINE_S = 60.0


@dataclass(frozen=True)
class Topics:
    intake: str
    rejected: str
    events: str
    relay_positions: str
    warnings: str
    warnings_positions: str

    @classmethod
    def named(cls, kafka: KafkaConfig) -> Topics:
        return cls(
            intake=kafka.topic("casebook.intake"),
            rejected=kafka.topic("casebook.intake.rejected"),
            events=kafka.topic("casebook.events"),
            relay_positions=kafka.topic("casebook.relay.positions"),
            warnings=kafka.topic("casebook.sla.warnings"),
            warnings_positions=kafka.topic("casebook.sla.warnings.positions"),
        )

    def evidence(self) -> tuple[str, str, str]:
        """The topics that are the record of what happened: kept for good by default."""
        return (self.intake, self.rejected, self.events)


def topic_plan(kafka: KafkaConfig) -> list[TopicSpec]:
    """Every topic Casebook creates, with its partitions, replication and configs.

    Intake, rejected and events get `kafka.partitions` partitions (keyed by case id,
    so a case's messages stay in order) and `kafka.evidence_retention_ms` (-1: kept for
    good; they are the evidence, and the views are rebuilt from the events). The positions
    topics have one compacted partition: its single owner in the relay's group is the one
    active relay. A dead letter is the original record (up to the intake topic's limit,
    1 MiB by default) plus our headers: the rejected topic takes more, so no rejection
    can be too big to keep. Replication and min ISR apply to every one of them.
    """
    topics = Topics.named(kafka)
    shared: dict[str, str] = {}
    if kafka.min_insync_replicas is not None:
        shared["min.insync.replicas"] = str(kafka.min_insync_replicas)
    retention = {"retention.ms": str(kafka.evidence_retention_ms)}
    configs: dict[str, dict[str, str]] = {
        topics.intake: retention,
        topics.rejected: {**retention, "max.message.bytes": str(REJECTED_MAX_MESSAGE_BYTES)},
        topics.events: retention,
        topics.warnings: {},
        topics.relay_positions: {"cleanup.policy": "compact"},
        topics.warnings_positions: {"cleanup.policy": "compact"},
    }
    partitioned = (topics.intake, topics.rejected, topics.events, topics.warnings)
    return [
        TopicSpec(
            name=name,
            partitions=kafka.partitions if name in partitioned else 1,
            replication=kafka.replication_factor,
            configs={**own, **shared},
            partitioned=name in partitioned,
        )
        for name, own in configs.items()
    ]


def _transient(error: BaseException) -> bool:
    return isinstance(error, KafkaError) and bool(error.retriable)


@retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_delay(TOPICS_DEADLINE_S),
    wait=wait_exponential(multiplier=0.25, max=5),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)
def ensure_topics(kafka: KafkaConfig) -> Topics:
    """Create the topics of `topic_plan` that do not exist yet (idempotent), then warn
    about those that exist with other settings (`consumers.topic_checks`): Casebook does
    not alter topics it finds, they are the operator's.

    Retried with a fresh admin client for up to `TOPICS_DEADLINE_S` on a transient error:
    kafka-python's admin sends each request to one broker and raises when that one is
    gone (a node of a cluster lost a moment ago is still in the metadata), where the
    next attempt asks another."""
    topics = Topics.named(kafka)
    plan = topic_plan(kafka)
    admin = make_admin(kafka)
    try:
        existing = set(admin.list_topics())
        missing = {spec.name: spec.create_spec() for spec in plan if spec.name not in existing}
        if missing:
            try:
                admin.create_topics(missing, wait_for_metadata=True, raise_errors=False)
                log.info("created topics %s", sorted(missing))
            except TopicAlreadyExistsError:
                pass  # another process created them between our list and create: fine
        # Every topic, not only those found before creating: one made by someone else a
        # moment ago may not be listed yet (its creation here then fails quietly).
        warn_about_differences(admin, kafka, plan)
    finally:
        admin.close()
    return topics


def delete_topics_under(kafka: KafkaConfig, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix`; returns their names.

    For what a run made under a prefix of its own (the bench's phases): left behind, each
    run's topics stay on the broker, with their partitions, for good.
    """
    if not prefix:
        raise ValueError("refusing to delete every topic: give a prefix")
    admin = make_admin(kafka)
    try:
        doomed = sorted(name for name in admin.list_topics() if name.startswith(prefix))
        if doomed:
            admin.delete_topics(doomed)
            log.info("deleted topics %s", doomed)
    finally:
        admin.close()
    return doomed
