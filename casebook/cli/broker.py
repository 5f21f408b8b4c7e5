"""`casebook broker start|stop|status`: the local Apache Kafka broker, or a local cluster.

The JVMs run in their own sessions, so they outlive this command; their state (pid
files, logs, topics) lives under `<data_dir>/kafka` (one broker) or
`<data_dir>/kafka-cluster/node<n>` (`start --nodes 3`: a replicated KRaft cluster), where
a later `stop` or `status` finds it. `start` prints the bootstrap address (a list for a
cluster) as its last line, for scripts to read and `CASEBOOK_KAFKA_BOOTSTRAP` to take.
`start --secure` secures it (SASL/SCRAM only, ACLs enforced: `infra.kafka.security`) and
writes the engine's and the upstream services' settings beside it; once secured, always.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from casebook.settings import Settings
from infra.kafka.assembly import AssemblyError
from infra.kafka.broker import BrokerError, LocalBroker
from infra.kafka.cluster import LocalCluster
from infra.kafka.security import (
    ENGINE_USER,
    UPSTREAM_USER,
    Credentials,
    SecurityError,
    grant_casebook_acls,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("broker", help="Run the local Apache Kafka broker or cluster.")
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="Start it (or find it running); print its address.")
    start.add_argument("--timeout", type=float, default=120.0, help="Seconds to wait for it.")
    start.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="1: a single broker; 2 or more: a local KRaft cluster, every topic replicated"
        " 3 (min ISR 2) from 3 nodes; node n on CASEBOOK_KAFKA_PORT + 2(n-1).",
    )
    start.add_argument(
        "--secure",
        action="store_true",
        help="SASL/SCRAM logins only and ACLs enforced: only casebook-upstream writes the"
        " intake, only casebook-engine Casebook's other topics; their settings are written"
        " to engine.env and upstream.env beside the broker's data.",
    )
    start.set_defaults(handler=start_broker)
    actions.add_parser(
        "stop", help="Stop it, every node (SIGTERM, SIGKILL after 30 s)."
    ).set_defaults(handler=stop_broker)
    actions.add_parser("status", help="Exit 0 if it runs, 1 if not.").set_defaults(
        handler=broker_status
    )


def local_broker(settings: Settings, secure: bool = False) -> LocalBroker:
    home = settings.data_dir / "kafka"
    return LocalBroker(
        data_dir=home,
        port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        cache_dir=settings.data_dir / "cache",
        credentials=_credentials(home, secure),
    )


def local_cluster(
    settings: Settings, nodes: int | None = None, secure: bool = False
) -> LocalCluster | None:
    """The local cluster of `nodes` nodes, or (None) the one a former `start` made, if any."""
    home = settings.data_dir / "kafka-cluster"
    if nodes is None:
        nodes = len(list(home.glob("node*")))
        if nodes == 0:
            return None
    return LocalCluster(
        data_dir=home,
        port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        cache_dir=settings.data_dir / "cache",
        nodes=nodes,
        credentials=_credentials(home, secure),
    )


def _credentials(home: Path, secure: bool) -> Credentials | None:
    """The broker's credentials: made when it is first secured, kept from then on."""
    if Credentials.exist_in(home):
        return Credentials.load_or_create(home)
    if not secure:
        return None
    if any(home.glob("**/kraft-logs/meta.properties")):
        raise BrokerError(
            f"{home} holds a broker formatted without --secure (its logins cannot be added"
            " later): stop it and remove that directory, or start it without --secure"
        )
    return Credentials.load_or_create(home)


def start_broker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # Loopback only: SCRAM's challenge never sends the password, and this is our own broker.
    logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)
    settings = Settings()
    if args.nodes < 1:
        print("--nodes must be 1 or more", file=sys.stderr)
        return 2
    broker: LocalBroker | LocalCluster
    kind = "broker" if args.nodes == 1 else f"cluster of {args.nodes} nodes"
    try:
        if args.nodes == 1:
            broker = local_broker(settings, args.secure)
        else:
            cluster = local_cluster(settings, args.nodes, args.secure)
            assert cluster is not None
            broker = cluster
        print(f"starting Apache Kafka {kind} (data in {broker.data_dir}) ...", file=sys.stderr)
        bootstrap = broker.start(timeout=args.timeout)
        if broker.credentials is not None:
            _secure(broker, broker.credentials, settings.topic_prefix, bootstrap)
    except (BrokerError, AssemblyError, SecurityError) as error:
        print(f"{kind} failed to start: {error}", file=sys.stderr)
        return 1
    if isinstance(broker, LocalCluster):
        for node_id, pid in broker.pids().items():
            node = broker.node(node_id)
            print(f"node {node_id} running at {node.bootstrap}, pid {pid}, log {node.log_file}")
    else:
        print(f"broker running, pid {broker.pid()}, log {broker.log_file}")
    print(bootstrap)
    return 0


def _secure(
    broker: LocalBroker | LocalCluster, credentials: Credentials, prefix: str, bootstrap: str
) -> None:
    """Grant Casebook's ACLs (as the nodes' super user) and write the clients' settings."""
    grant_casebook_acls(broker.client_config(), prefix)
    written = credentials.write_env_files(broker.data_dir, bootstrap)
    print(
        "secured: SASL/SCRAM-SHA-256 logins only, ACLs enforced. Settings for the engine in"
        f" {written[ENGINE_USER]}, for upstream services in {written[UPSTREAM_USER]}"
        " (`set -a; . FILE; set +a`)"
    )


def stop_broker(args: argparse.Namespace) -> int:
    settings = Settings()
    print("broker stopped" if local_broker(settings).stop() else "broker was not running")
    cluster = local_cluster(settings)
    if cluster is not None:
        stopped = cluster.stop()
        print(f"cluster nodes stopped: {stopped}" if stopped else "cluster was not running")
    return 0


def broker_status(args: argparse.Namespace) -> int:
    settings = Settings()
    running = False
    broker = local_broker(settings)
    pid = broker.pid()
    if pid is not None:
        running = True
        print(f"broker running at {broker.bootstrap} (pid {pid})")
    cluster = local_cluster(settings)
    if cluster is not None:
        for node_id, node_pid in cluster.pids().items():
            state = f"running (pid {node_pid})" if node_pid else "not running"
            print(f"cluster node {node_id} at {cluster.node(node_id).bootstrap}: {state}")
            running = running or node_pid is not None
    if not running:
        print("broker not running")
        return 1
    return 0
