"""Casebook on a replicated 3-node cluster: what it creates, what it warns about, and the
golden sample end to end (the live views equal the offline replay)."""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka.admin import NewTopic

from casebook.settings import Settings
from consumers.topic_checks import topic_configs
from consumers.topics import Topics, ensure_topics, topic_plan
from infra.kafka.cluster import LocalCluster
from tests.integration.engine_support import (
    SAMPLES,
    assert_views_equal_replay,
    casebook_json,
    publish,
    replay_file,
    run_casebook,
    run_until_idle,
)

HISTORY = SAMPLES / "history-small.jsonl"


def replicas_and_isr(cluster: LocalCluster, names: list[str]) -> dict[str, tuple[set[int], str]]:
    """Each topic's replica counts over its partitions, and its min.insync.replicas (asked
    again for a while: a topic created a moment ago may not be described by every broker)."""
    deadline = time.monotonic() + 30
    while True:
        with cluster.admin() as admin:
            shapes = admin.describe_topics(names)
            configs = topic_configs(admin, names, ["min.insync.replicas"])
        if all("min.insync.replicas" in configs.get(name, {}) for name in names):
            break
        assert time.monotonic() < deadline, f"configs not described: {configs}"
        time.sleep(0.5)
    return {
        shape["name"]: (
            {len(partition["replica_nodes"]) for partition in shape["partitions"]},
            configs[shape["name"]]["min.insync.replicas"],
        )
        for shape in shapes
    }


def test_every_topic_casebook_creates_takes_the_clusters_replication(
    kafka_cluster: LocalCluster, cluster_settings: Callable[..., Settings]
) -> None:
    settings = cluster_settings()
    ensure_topics(settings.kafka())
    names = [spec.name for spec in topic_plan(settings.kafka())]
    assert len(names) == 6
    assert replicas_and_isr(kafka_cluster, names) == {name: ({3}, "2") for name in names}


def test_replication_settings_apply_to_every_topic_including_the_positions(
    kafka_cluster: LocalCluster, cluster_settings: Callable[..., Settings]
) -> None:
    settings = cluster_settings(replication_factor=2, min_insync_replicas=1)
    ensure_topics(settings.kafka())
    names = [spec.name for spec in topic_plan(settings.kafka())]
    topics = Topics.named(settings.kafka())
    assert topics.relay_positions in names and topics.warnings_positions in names
    assert replicas_and_isr(kafka_cluster, names) == {name: ({2}, "1") for name in names}


def test_a_topic_found_with_fewer_replicas_is_named_by_topics_check(
    kafka_cluster: LocalCluster, cluster_settings: Callable[..., Settings]
) -> None:
    settings = cluster_settings()
    events = settings.topic("casebook.events")
    with kafka_cluster.admin() as admin:
        # Made by hand with replication 1 (and otherwise as Casebook makes it).
        admin.create_topics([NewTopic(events, 3, 1, topic_configs={"retention.ms": "-1"})])
    ensure_topics(settings.kafka())  # creates the others, leaves this one as it is
    done = run_casebook(settings, "topics", "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        f"topic {events} has replication factor 1, 3 wanted (CASEBOOK_REPLICATION_FACTOR or"
        " the cluster's default.replication.factor): a broker's loss can lose or stop it;"
        " reassign its replicas (kafka-reassign-partitions) to keep it"
    ]


def test_the_golden_sample_end_to_end_on_the_cluster(
    cluster_settings: Callable[..., Settings],
) -> None:
    settings = cluster_settings()
    replay = replay_file(HISTORY)
    expected = replay.report()
    lines = [line for line in HISTORY.read_bytes().splitlines() if line.strip()]
    assert publish(settings, HISTORY) == len(lines)
    run_until_idle(settings)
    assert_views_equal_replay(settings, replay)
    shown = casebook_json(settings, "sla", "--as-of", expected["as_of"])
    assert shown == {"as_of": expected["as_of"], **expected["sla"]}
