"""Brokers SIGKILLed mid-stream on the 3-node cluster, with the engine running throughout.

Upstream keeps publishing while a broker is killed: (a) the one leading most partitions
of the events topic, (b) the relay's transaction coordinator, again and again at random
points of a run (kafka-python 3.0.12 can report such a transaction committed without its
records: the relay must notice and resume from its committed position), (c) the active
KRaft controller. Each is restarted after the engine resumed. At the end the fault
suite's oracle holds: every accepted message applied once (lost 0, doubled 0), every
rejection once, per-case order, views equal to the offline replay of what was published.
Each kill prints how long the engine took to publish again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from infra.kafka.cluster import LocalCluster
from tests.cluster.cluster_faults import (
    Publisher,
    active_controller,
    events_leader,
    transaction_coordinator,
    wait_resumed,
)
from tests.faults.conftest import view_rows, wait_for
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import (
    EngineProcess,
    assert_views_equal_replay,
    replay_file,
    write_history,
)
from tooling.histories import generate_history

LINES = 12_000  # at most; the publisher stops when the kills are done
CHUNK = 250
RELAY = "casebook-relay"


def run_kills(
    cluster: LocalCluster,
    settings: Settings,
    tmp_path: Path,
    scenario: str,
    targets: list[tuple[str, Callable[[], int]]],
) -> None:
    """Publish, run one engine, and kill each target in turn (found just before its kill),
    a random moment after the engine resumed from the one before."""
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    print(f"seed {seed}")
    lines = list(generate_history(LINES, seed))
    publisher = Publisher(settings, lines, tmp_path, CHUNK)
    engine = EngineProcess(settings, tmp_path / "engine.log")
    events = settings.topic("casebook.events")
    resumes: list[dict[str, object]] = []
    try:
        publisher.start()
        wait_for(
            lambda: view_rows(settings) > 0,
            timeout_s=120,
            what="first view rows",
            engines=(engine,),
        )
        for what, find in targets:
            time.sleep(rng.uniform(0.5, 4.0))
            node = find()
            killed_at = time.monotonic()
            assert cluster.kill(node), f"node {node} was not running"
            resumed = wait_resumed(settings, events, node, killed_at, find, engine)
            print(f"killed {what} (node {node}): {resumed.line()}")
            resumes.append(
                {
                    "killed": what,
                    "node": node,
                    "resume_s": round(resumed.resume_s, 1),
                    "moved_s": None if resumed.moved_s is None else round(resumed.moved_s, 1),
                }
            )
            cluster.restart(node)
        published = publisher.finish()
        history = tmp_path / "history.jsonl"
        write_history(history, published)
        replay = replay_file(history)

        def settled() -> bool:
            try:
                assert_views_equal_replay(settings, replay)
            except AssertionError:
                return False
            return True

        wait_for(settled, timeout_s=300, what="the engine finishing", engines=(engine,), poll_s=3)
    finally:
        engine.stop()  # first: nothing below may leave it running past the test
        for node in cluster.node_ids:
            if not cluster.node(node).is_running():
                cluster.restart(node)
        if publisher.is_alive():
            publisher.finish()
    counts = check_exactly_once(
        settings,
        history,
        Counts(scenario, len(published), kills=len(targets), restarts=len(targets)),
    )
    counts.seconds = time.monotonic() - started
    counts.notes = {"resumes": resumes, "seed": seed}
    record_summary(counts)


def test_the_events_leader_and_the_active_controller_killed_mid_stream(
    kafka_cluster: LocalCluster, cluster_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = cluster_settings(batch_size=100)
    events = settings.topic("casebook.events")
    run_kills(
        kafka_cluster,
        settings,
        tmp_path,
        "10 cluster: events leader, then active controller SIGKILLed",
        [
            ("the leader of most events partitions", lambda: events_leader(kafka_cluster, events)),
            ("the active controller", lambda: active_controller(kafka_cluster)),
        ],
    )


def test_the_relays_transaction_coordinator_killed_again_and_again(
    kafka_cluster: LocalCluster, cluster_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = cluster_settings(batch_size=100)
    transactional_id = settings.topic(RELAY)

    def coordinator() -> int:
        return transaction_coordinator(kafka_cluster, transactional_id)

    run_kills(
        kafka_cluster,
        settings,
        tmp_path,
        "11 cluster: relay's transaction coordinator SIGKILLed 3 times",
        [("the relay's transaction coordinator", coordinator)] * 3,
    )
