"""Run a local Apache Kafka cluster of N KRaft nodes (each a broker and a controller).

Why: users who outgrow one machine run Casebook against a replicated cluster, and what
holds there (a broker lost mid-stream, a transaction coordinator or the active controller
gone) is proven only on one. Each node is a `LocalBroker` in its own directory under
`data_dir` (`node1`, `node2`, ...), with its own log, sharing one cluster id and a static
quorum of every node, configured as production users do (see `infra.kafka.properties`).
Node n listens on `port + 2(n-1)` (clients) and `controller_port + 2(n-1)` (the quorum):
with the defaults 19092/19093, node 2 has 19094/19095 and node 3 19096/19097.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from infra.kafka.broker import HOST, BrokerError, LocalBroker
from infra.kafka.properties import Membership, new_cluster_id
from infra.kafka.security import Credentials
from infra.process import wait_gone

log = logging.getLogger(__name__)
PORT_STRIDE = 2


class LocalCluster:
    """`nodes` local KRaft nodes whose state lives under `data_dir`, on 127.0.0.1 only."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int,
        cache_dir: Path,
        nodes: int = 3,
        credentials: Credentials | None = None,
    ) -> None:
        """`credentials`: every node secured (`infra.kafka.security`), one set for all."""
        if nodes < 1:
            raise ValueError("a cluster has at least one node")
        self.data_dir = data_dir.resolve()
        self.size = nodes
        self.credentials = credentials
        voters = ",".join(
            f"{n}@{HOST}:{controller_port + PORT_STRIDE * (n - 1)}" for n in range(1, nodes + 1)
        )
        replication = min(nodes, 3)
        self._nodes = {
            n: LocalBroker(
                data_dir=self.data_dir / f"node{n}",
                port=port + PORT_STRIDE * (n - 1),
                controller_port=controller_port + PORT_STRIDE * (n - 1),
                cache_dir=cache_dir,
                membership=Membership(node_id=n, voters=voters, replication=replication),
                cluster_id=self._cluster_id(),
                credentials=credentials,
            )
            for n in range(1, nodes + 1)
        }

    @property
    def bootstrap(self) -> str:
        """Every node's address, comma-separated: what `CASEBOOK_KAFKA_BOOTSTRAP` takes."""
        return ",".join(node.bootstrap for node in self._nodes.values())

    def node(self, node_id: int) -> LocalBroker:
        return self._nodes[node_id]

    @property
    def node_ids(self) -> list[int]:
        return list(self._nodes)

    def pids(self) -> dict[int, int | None]:
        return {n: node.pid() for n, node in self._nodes.items()}

    def is_running(self) -> bool:
        """True if any node runs (a cluster with a node down is still there to stop)."""
        return any(pid is not None for pid in self.pids().values())

    def start(self, timeout: float = 120.0) -> str:
        """Start every node (or adopt those running), then wait until each answers and the
        cluster lists all of them; returns the bootstrap list."""
        for node in self._nodes.values():
            node.data_dir.mkdir(parents=True, exist_ok=True)
        pids = {n: node.launch() for n, node in self._nodes.items()}
        deadline = time.monotonic() + timeout
        for n, node in self._nodes.items():
            node.wait_ready(pids[n], max(1.0, deadline - time.monotonic()))
        self.wait_brokers(self.size, max(1.0, deadline - time.monotonic()))
        return self.bootstrap

    def restart(self, node_id: int, timeout: float = 90.0) -> None:
        """Start one node again (after `kill` or `stop` of it) and wait until it answers."""
        node = self._nodes[node_id]
        node.wait_ready(node.launch(), timeout)
        self.wait_brokers(self.size, timeout)

    def kill(self, node_id: int) -> bool:
        """SIGKILL one node: a crash, as a lost machine would be."""
        return self._nodes[node_id].kill()

    def stop(self, timeout: float = 30.0) -> list[int]:
        """Stop every node (SIGTERM, SIGKILL after `timeout`); returns the ids that ran.

        All at once: a node shuts down cleanly only while the quorum answers, so stopped
        one after the other, the last ones would wait out the timeout for a majority gone."""
        running = {n: pid for n, pid in self.pids().items() if pid is not None}
        for pid in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for n, pid in running.items():
            if not wait_gone(pid, max(0.0, deadline - time.monotonic())):
                log.warning(
                    "node %s (pid %s) ignored SIGTERM for %.0f s: killing it", n, pid, timeout
                )
                self._nodes[n].kill()
            self._nodes[n].pid_file.unlink(missing_ok=True)
        return list(running)

    def wait_brokers(self, count: int, timeout: float) -> None:
        """Wait until the cluster's metadata lists `count` live brokers."""
        deadline = time.monotonic() + timeout
        seen: object = "no answer"
        while time.monotonic() < deadline:
            try:
                with self.admin() as admin:
                    brokers = admin.describe_cluster()["brokers"]
                seen = sorted(broker["broker_id"] for broker in brokers)
                if len(brokers) >= count:
                    return
            except KafkaError as error:
                seen = repr(error)
            time.sleep(0.5)
        raise BrokerError(
            f"the cluster did not list {count} brokers within {timeout:.0f} s: {seen}"
        )

    def admin(self) -> KafkaAdminClient:
        """An admin client on the nodes that run now (a killed node's address would only
        cost the client a connection timeout)."""
        return KafkaAdminClient(
            **self.client_config(), bootstrap_timeout_ms=10_000, request_timeout_ms=10_000
        )

    def client_config(self) -> dict[str, object]:
        """kafka-python settings of an admin client on the running nodes (the super user,
        when secured)."""
        live = [node.bootstrap for node in self._nodes.values() if node.is_running()]
        login = self.credentials.client_config() if self.credentials is not None else {}
        return {"bootstrap_servers": live or [self.bootstrap], **login}

    def _cluster_id(self) -> str:
        path = self.data_dir / "cluster.id"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new_cluster_id() + "\n")
        return path.read_text().strip()
