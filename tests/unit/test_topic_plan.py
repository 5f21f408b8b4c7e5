"""What Casebook creates on a cluster, and the configuration of a cluster's node."""

from __future__ import annotations

from pathlib import Path

from casebook.cli.topics import create_command
from casebook.settings import Settings
from consumers.topics import topic_plan
from infra.kafka.properties import Membership, server_properties


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_replication_and_min_isr_settings_reach_every_topic() -> None:
    plan = topic_plan(Settings(replication_factor=3, min_insync_replicas=2, partitions=4).kafka())
    assert len(plan) == 6
    assert {spec.replication for spec in plan} == {3}
    assert all(spec.configs["min.insync.replicas"] == "2" for spec in plan)
    assert sorted(spec.partitions for spec in plan) == [1, 1, 4, 4, 4, 4]
    positions = [spec for spec in plan if spec.name.endswith("positions")]
    assert all(spec.configs["cleanup.policy"] == "compact" for spec in positions)


def test_unset_replication_leaves_it_to_the_cluster() -> None:
    plan = topic_plan(Settings().kafka())
    assert {spec.create_spec()["replication_factor"] for spec in plan} == {-1}
    assert all("min.insync.replicas" not in spec.configs for spec in plan)
    events = next(spec for spec in plan if spec.name == "casebook.events")
    assert create_command(events, "h:1") == (
        "kafka-topics.sh --bootstrap-server h:1 --create --topic casebook.events"
        " --partitions 6 --config retention.ms=-1"
    )
    chosen = next(
        spec
        for spec in topic_plan(Settings(replication_factor=2).kafka())
        if spec.name == events.name
    )
    assert "--replication-factor 2" in create_command(chosen, "h:1")


def test_a_cluster_node_is_configured_as_production_runs_one() -> None:
    voters = "1@127.0.0.1:2,2@127.0.0.1:4,3@127.0.0.1:6"
    node = properties(
        server_properties(
            "127.0.0.1", 3, 4, Path("/d"), membership=Membership(2, voters, replication=3)
        )
    )
    assert node["node.id"] == "2"
    assert node["controller.quorum.voters"] == voters
    assert "controller.quorum.bootstrap.servers" not in node
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert node[key] == "3", key
    assert node["min.insync.replicas"] == node["transaction.state.log.min.isr"] == "2"
    assert node["unclean.leader.election.enable"] == "false"
    single = properties(server_properties("127.0.0.1", 3, 4, Path("/d")))
    assert single["default.replication.factor"] == single["min.insync.replicas"] == "1"
