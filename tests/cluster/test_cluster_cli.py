"""`casebook broker start --nodes 3`, `status` and `stop` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from kafka import KafkaAdminClient

from tests.cluster.conftest import CLUSTER_PORT
from tests.integration.test_broker_cli import casebook_on

PORT = CLUSTER_PORT + 100  # clear of the package's cluster (+0..+5)


def test_a_three_node_cluster_starts_answers_status_and_stops(tmp_path: Path) -> None:
    cache = Path(__file__).resolve().parents[2] / "var" / "cache"
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "cache").symlink_to(cache)  # reuse the downloaded jars
    addresses = [f"127.0.0.1:{PORT + 2 * n}" for n in range(3)]
    try:
        started = casebook_on(data_dir, PORT, PORT + 1, "broker", "start", "--nodes", "3")
        assert started.returncode == 0, started.stderr
        assert started.stdout.splitlines()[-1] == ",".join(addresses)
        admin = KafkaAdminClient(bootstrap_servers=addresses)
        try:
            brokers = admin.describe_cluster()["brokers"]
            quorum = admin.describe_metadata_quorum()["topics"][0]["partitions"][0]
        finally:
            admin.close()
        assert sorted(broker["broker_id"] for broker in brokers) == [1, 2, 3]
        assert sorted(voter["replica_id"] for voter in quorum["current_voters"]) == [1, 2, 3]
        status = casebook_on(data_dir, PORT, PORT + 1, "broker", "status")
        assert status.returncode == 0
        assert [line.split(": ")[1].split(" (")[0] for line in status.stdout.splitlines()] == [
            "running"
        ] * 3
    finally:
        stopped = casebook_on(data_dir, PORT, PORT + 1, "broker", "stop")
    assert stopped.stdout.splitlines() == [
        "broker was not running",
        "cluster nodes stopped: [1, 2, 3]",
    ]
    status = casebook_on(data_dir, PORT, PORT + 1, "broker", "status")
    assert status.returncode == 1
    assert status.stdout.splitlines()[-1] == "broker not running"
