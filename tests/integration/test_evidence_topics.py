"""The evidence is kept for good, a rebuild says when it is not, and a caught-up group lags 0.

On the real broker: the topics Casebook creates keep their records (retention.ms=-1) unless
the operator says otherwise; an existing evidence topic with a finite retention is warned
about at start; `casebook rebuild` refuses a topic that lost its first records unless asked;
and after a run every group's committed offsets are the end offsets, transactional commit
markers included, as `kafka-consumer-groups --describe` computes lag.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from casebook.settings import Settings
from consumers.topics import ensure_topics
from tests.integration.engine_support import (
    SAMPLES,
    casebook,
    publish,
    run_casebook,
    run_until_idle,
)

HISTORY = SAMPLES / "history-small.jsonl"


def retention_of(admin: KafkaAdminClient, names: list[str]) -> dict[str, str]:
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, ["retention.ms"]) for name in names]
    described = admin.describe_configs(resources, config_filter="all")["topic"]
    return {name: described[name]["retention.ms"]["value"] for name in names}


def test_the_evidence_topics_are_created_to_keep_their_records(
    settings_factory: Callable[..., Settings], kafka_admin: KafkaAdminClient
) -> None:
    topics = ensure_topics(settings_factory().kafka())
    retention = retention_of(kafka_admin, [*topics.evidence(), topics.warnings])
    assert {retention[name] for name in topics.evidence()} == {"-1"}
    assert retention[topics.warnings] == "604800000"  # warnings keep the broker's default

    chosen = ensure_topics(settings_factory(evidence_retention_ms=86_400_000).kafka())
    assert set(retention_of(kafka_admin, list(chosen.evidence())).values()) == {"86400000"}


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_an_existing_evidence_topic_with_finite_retention_is_warned_about(
    settings_factory: Callable[..., Settings], kafka_admin: KafkaAdminClient
) -> None:
    settings = settings_factory()
    events = settings.topic("casebook.events")
    kafka_admin.create_topics([NewTopic(events, 1, 1)])  # the broker's 7 days
    # A handler of its own on the module's logger: earlier in-process commands of the suite
    # configure logging, and pytest's capture then missed the record.
    recorded = Recorded()
    topics_log = logging.getLogger("consumers.topic_checks")
    topics_log.addHandler(recorded)
    level = topics_log.level
    topics_log.setLevel(logging.WARNING)
    try:
        ensure_topics(settings.kafka())
    finally:
        topics_log.removeHandler(recorded)
        topics_log.setLevel(level)
    warned = [message for message in recorded.messages if events in message]
    retention = [message for message in warned if "retention" in message]
    assert len(retention) == 1, recorded.messages
    assert "retention.ms=604800000 (7 days)" in retention[0]
    assert "retention.ms=-1" in retention[0]
    # Made with one partition where Casebook makes six: named too, once.
    partitions = [message for message in warned if "partitions" in message]
    assert partitions == [
        f"topic {events} has 1 partitions, CASEBOOK_PARTITIONS is 6: the work spreads over 1;"
        " the topic is used as it is"
    ]


def test_rebuild_refuses_an_events_topic_that_lost_its_first_records(
    settings_factory: Callable[..., Settings], kafka_admin: KafkaAdminClient
) -> None:
    settings = settings_factory(partitions=1)
    publish(settings, HISTORY)
    run_until_idle(settings)
    events = TopicPartition(settings.topic("casebook.events"), 0)
    kafka_admin.delete_records({events: 5})  # as retention would

    refused = run_casebook(settings, "rebuild")
    assert refused.returncode == 1
    assert f"{events.topic}[0] starts at offset 5" in refused.stderr
    assert "refusing to rebuild" in refused.stderr and "Traceback" not in refused.stderr

    done = casebook(settings, "rebuild", "--accept-truncated-history")
    assert "rebuilding anyway" in done.stderr and "views rebuilt" in done.stdout


def test_a_caught_up_engine_leaves_every_group_at_lag_zero(
    settings_factory: Callable[..., Settings], kafka_admin: KafkaAdminClient
) -> None:
    settings = settings_factory(partitions=3)
    publish(settings, HISTORY)
    run_until_idle(settings)
    groups = {
        settings.topic("casebook-intake"): [settings.topic("casebook.intake")],
        settings.topic("casebook-projections"): [
            settings.topic("casebook.events"),
            settings.topic("casebook.intake.rejected"),
        ],
    }
    consumer = KafkaConsumer(**settings.kafka_client_config())
    try:
        for group, group_topics in groups.items():
            partitions = [
                TopicPartition(topic, p)
                for topic in group_topics
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            ends = consumer.end_offsets(partitions)
            committed = kafka_admin.list_group_offsets({group: None})[group]
            lag = {tp: ends[tp] - committed[tp].offset for tp in partitions if tp in committed}
            assert set(committed) >= set(partitions), (group, committed)
            assert set(lag.values()) == {0}, (group, lag)
    finally:
        consumer.close()
