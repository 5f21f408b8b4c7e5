"""What Casebook says about topics it finds made otherwise than it would make them.

Why warnings, not changes: a topic that exists is the operator's (made by hand, by a
platform team, by an older Casebook); altering its partitions would move cases between
partitions and break their order, and its retention or replication is a decision of
theirs. But each difference weakens a promise, so each is named once, at start, with the
values and what it costs: a finite retention deletes evidence; fewer replicas than asked
lose the topic with a broker's disk; other partition counts spread the work otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError

from consumers.config import KafkaConfig
from consumers.topic_spec import TopicSpec

log = logging.getLogger(__name__)


def warn_about_differences(
    admin: KafkaAdminClient, kafka: KafkaConfig, plan: list[TopicSpec]
) -> list[str]:
    """Log one warning per difference between the topics on the cluster and `plan`;
    returns the warnings (for `casebook topics plan` and the tests)."""
    names = [spec.name for spec in plan]
    configs = topic_configs(admin, names, ["retention.ms", "min.insync.replicas"])
    shapes = {
        topic["name"]: topic
        for topic in admin.describe_topics(names)
        if topic.get("error_code", 0) == 0
    }
    replication = kafka.replication_factor or cluster_default_replication(admin)
    warnings: list[str] = []
    for spec in plan:
        found = configs.get(spec.name, {})
        retention = found.get("retention.ms")
        wanted_retention = spec.configs.get("retention.ms")
        if (
            wanted_retention is not None
            and retention is not None
            and int(retention) >= 0
            and retention != wanted_retention
        ):
            warnings.append(
                f"topic {spec.name} has retention.ms={retention} ({_days(int(retention))}):"
                " its oldest records will be deleted, and `casebook rebuild` and auditors then"
                " read a history without them; set retention.ms=-1 on it (kafka-configs"
                " --alter) to keep the evidence"
            )
        wanted_isr = spec.configs.get("min.insync.replicas")
        if wanted_isr is not None and found.get("min.insync.replicas") not in (None, wanted_isr):
            warnings.append(
                f"topic {spec.name} has min.insync.replicas={found['min.insync.replicas']},"
                f" CASEBOOK_MIN_INSYNC_REPLICAS is {wanted_isr}"
            )
        shape = shapes.get(spec.name)
        if shape is None:
            continue
        partitions = shape["partitions"]
        replicas = min((len(p["replica_nodes"]) for p in partitions), default=0)
        if replication is not None and replicas < replication:
            warnings.append(
                f"topic {spec.name} has replication factor {replicas}, {replication} wanted"
                " (CASEBOOK_REPLICATION_FACTOR or the cluster's default.replication.factor):"
                " a broker's loss can lose or stop it; reassign its replicas"
                " (kafka-reassign-partitions) to keep it"
            )
        if spec.partitioned and len(partitions) != spec.partitions:
            warnings.append(
                f"topic {spec.name} has {len(partitions)} partitions, CASEBOOK_PARTITIONS is"
                f" {spec.partitions}: the work spreads over {len(partitions)}; the topic is"
                " used as it is"
            )
    for warning in warnings:
        log.warning("%s", warning)
    return warnings


def topic_configs(
    admin: KafkaAdminClient, names: list[str], keys: list[str]
) -> dict[str, dict[str, str]]:
    """`keys` of each topic among `names` that exists: {topic: {key: value}}."""
    if not names:
        return {}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, keys) for name in names]
    described: dict[str, Any] = admin.describe_configs(resources, config_filter="all")
    return {
        name: {
            key: entry["value"] for key, entry in found.items() if entry.get("value") is not None
        }
        for name, found in described.get("topic", {}).items()
    }


def cluster_default_replication(admin: KafkaAdminClient) -> int | None:
    """The cluster's default.replication.factor, from the first broker that answers (the
    metadata still lists a broker lost a moment ago), or None if none does."""
    for broker in admin.describe_cluster()["brokers"]:
        broker_id = str(broker["broker_id"])
        resource = ConfigResource(
            ConfigResourceType.BROKER, broker_id, ["default.replication.factor"]
        )
        try:
            described: dict[str, Any] = admin.describe_configs([resource], config_filter="all")
        except KafkaError as error:
            log.info(
                "broker %s did not describe its configs (%r); asking another", broker_id, error
            )
            continue
        found = described.get("broker", {}).get(broker_id, {}).get("default.replication.factor", {})
        if found.get("value") is not None:
            return int(found["value"])
    return None


def _days(retention_ms: int) -> str:
    return f"{retention_ms / 86_400_000:.4g} days"
