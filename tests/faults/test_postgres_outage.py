"""Scenario 3: PostgreSQL stopped for a while mid-stream; nothing rejected because of it.

A dedicated PostgreSQL (own port and data dir) is the store (`CASEBOOK_STORE=postgres`).
While it is down no position may move: the intake group's committed offsets (Kafka's lag
hint, committed only after the store's transaction) and the ends of the events and
rejected topics stay where they were. After the restart the engine resumes by itself.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from casebook.settings import Settings
from infra.postgres.server import LocalPostgres
from tests.conftest import TEST_DATA_DIR
from tests.faults.conftest import OUTAGE_POSTGRES_PORT, fresh_dir, view_rows, wait_for
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import EngineProcess, publish, topics, write_history
from tooling.histories import generate_history

MESSAGES = 2000  # PostgreSQL on the shared 2-core machine: ~60-100 messages/s
OUTAGE_S = 10.0


def positions(settings: Settings) -> dict[str, object]:
    """The intake group's committed offsets and the end offsets of the output topics."""
    names = topics(settings)
    consumer = KafkaConsumer(
        **settings.kafka_client_config(),
        group_id=settings.topic("casebook-intake"),
        enable_auto_commit=False,
    )
    try:
        intake = [TopicPartition(names.intake, p) for p in range(settings.partitions)]
        outputs = [
            TopicPartition(t, p)
            for t in (names.events, names.rejected)
            for p in range(settings.partitions)
        ]
        committed = {str(tp): consumer.committed(tp) for tp in intake}
        ends = {str(tp): offset for tp, offset in consumer.end_offsets(outputs).items()}
        return {"committed": committed, "ends": ends}
    finally:
        consumer.close()


def test_postgres_stopped_mid_stream(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    LocalPostgres(TEST_DATA_DIR / "faults" / "outage-postgres", OUTAGE_POSTGRES_PORT).stop()
    server = LocalPostgres(fresh_dir("outage-postgres"), OUTAGE_POSTGRES_PORT)
    try:
        run_outage(server, settings_factory, tmp_path)
    finally:
        server.stop()


def run_outage(
    server: LocalPostgres, settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    params = server.start()
    settings = settings_factory(partitions=3, batch_size=50).model_copy(
        update={
            "store": "postgres",
            "postgres_host": params.host,
            "postgres_port": params.port,
            "postgres_user": params.user,
            "postgres_dbname": params.dbname,
        }
    )
    history = tmp_path / "history.jsonl"
    write_history(history, generate_history(MESSAGES, seed))
    engine: EngineProcess | None = None
    try:
        publish(settings, history)
        engine = EngineProcess(settings, tmp_path / "engine.log")
        wait_for(
            lambda: view_rows(settings) > 50,
            timeout_s=90,
            what="first view rows",
            engines=(engine,),
        )
        server.stop()
        time.sleep(2.0)  # let in-flight Kafka work (already stored) land
        before = positions(settings)
        time.sleep(OUTAGE_S)
        during = positions(settings)
        assert engine.alive(), engine.log()[-3000:]
        server.start()
        restarted = time.monotonic()
        last = {"rows": -1}

        def settled() -> bool:
            rows = view_rows(settings)
            done, last["rows"] = rows == last["rows"], rows
            return done

        wait_for(
            settled,
            timeout_s=150,
            what="the engine finishing after the outage",
            engines=(engine,),
            poll_s=4.0,
        )
        resumed_s = time.monotonic() - restarted
    finally:
        if engine is not None:
            engine.stop()
    assert during == before, "a position moved while the store was down"
    counts = check_exactly_once(
        settings, history, Counts("3 PostgreSQL stopped mid-stream", MESSAGES)
    )
    log = engine.log()
    counts.restarts = 1
    counts.seconds = time.monotonic() - started
    counts.notes = {
        "outage_s": OUTAGE_S,
        "finished_after_restart_s": round(resumed_s, 1),
        "retry_warnings": log.count("retrying in"),
        "seed": seed,
    }
    record_summary(counts)
