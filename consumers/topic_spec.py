"""A topic as Casebook would create it: the plan `consumers.topics` makes and checks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    """What Casebook creates a topic with. `replication` None: the cluster's
    default.replication.factor; `configs` holds min.insync.replicas only when set."""

    name: str
    partitions: int
    replication: int | None
    configs: dict[str, str]
    partitioned: bool  # keyed by case id with `kafka.partitions`; else one partition

    def create_spec(self) -> dict[str, object]:
        """The spec kafka-python's `create_topics` takes (-1: the broker's default)."""
        return {
            "num_partitions": self.partitions,
            "replication_factor": -1 if self.replication is None else self.replication,
            "configs": dict(self.configs),
        }
