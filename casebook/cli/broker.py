"""`casebook broker start|stop|status`: the local Apache Kafka broker as a background daemon.

The broker's JVM runs in its own session, so it outlives this command; its state (pid
file, logs, topics) lives under `<data_dir>/kafka`, where a later `stop` or `status`
finds it. `start` prints the bootstrap address as its last line, for scripts to read.
"""

from __future__ import annotations

import argparse
import logging
import sys

from casebook.settings import Settings
from infra.kafka.assembly import AssemblyError
from infra.kafka.broker import BrokerError, LocalBroker


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("broker", help="Run the local Apache Kafka broker.")
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="Start it (or find it running); print its address.")
    start.add_argument("--timeout", type=float, default=90.0, help="Seconds to wait for it.")
    start.set_defaults(handler=start_broker)
    actions.add_parser("stop", help="Stop it (SIGTERM, SIGKILL after 30 s).").set_defaults(
        handler=stop_broker
    )
    actions.add_parser("status", help="Exit 0 if it runs, 1 if not.").set_defaults(
        handler=broker_status
    )


def local_broker(settings: Settings) -> LocalBroker:
    return LocalBroker(
        data_dir=settings.data_dir / "kafka",
        port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        cache_dir=settings.data_dir / "cache",
    )


def start_broker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    broker = local_broker(Settings())
    print(f"starting Apache Kafka broker (data in {broker.data_dir}) ...", file=sys.stderr)
    try:
        bootstrap = broker.start(timeout=args.timeout)
    except (BrokerError, AssemblyError) as error:
        print(f"broker failed to start: {error}", file=sys.stderr)
        return 1
    print(f"broker running, pid {broker.pid()}, log {broker.log_file}")
    print(bootstrap)
    return 0


def stop_broker(args: argparse.Namespace) -> int:
    broker = local_broker(Settings())
    print("broker stopped" if broker.stop() else "broker was not running")
    return 0


def broker_status(args: argparse.Namespace) -> int:
    broker = local_broker(Settings())
    pid = broker.pid()
    if pid is None:
        print("broker not running")
        return 1
    print(f"broker running at {broker.bootstrap} (pid {pid})")
    return 0
