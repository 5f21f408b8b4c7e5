"""Hostile records produced straight onto the intake topic cannot stop the live engine.

A raw `kafka-python` producer (not `casebook publish`, which reads lines) writes the hostile
corpus (tests/hostile_corpus.py) between the messages of a generated history; one valid
message is made to raise while it is decided. The engine, run in this process so the fault
can be injected, keeps going: every message behind the hostile ones is decided exactly as
the offline replay of the same records decides it, each hostile record is on the rejected
topic byte for byte with its reason, and the one that raised is refused `decision_failed`
with the error named. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kafka import KafkaProducer

import domain.rules as rules
from analysis.replay import replay_history
from casebook.policies import load_policy
from casebook.settings import Settings
from casebook.wiring import Engine
from consumers.publishing import intake_key
from tests.hostile_corpus import HOSTILE, interleaved
from tests.integration.engine_support import (
    assert_views_equal_replay,
    header_map,
    read_topic,
    topics,
)
from tooling.histories import generate_history

BOOM = json.dumps(
    {
        "message_id": "h-boom",
        "case_id": "H-1",
        "type": "case.responded",
        "at": "2026-09-01T14:00:00Z",
        "actor": {"id": "eng-1", "role": "engineer"},
    }
).encode()


@pytest.fixture
def decisions_raise_on_boom(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deciding `h-boom` raises, as a bug in a rule would (the engine runs in this process)."""
    real = rules.check_message_on_case

    def check(case: Any, message: Any) -> Any:
        if message.message_id == "h-boom":
            raise ZeroDivisionError("injected into h-boom")
        return real(case, message)

    monkeypatch.setattr(rules, "check_message_on_case", check)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_hostile_records_between_valid_ones_are_refused_and_the_stream_flows(
    store: str, settings_factory: Callable[..., Settings], decisions_raise_on_boom: None
) -> None:
    settings = settings_factory(store, partitions=3, process_per_role=False)
    history = list(generate_history(400, seed=7))
    corpus = interleaved()
    records: list[bytes] = []
    for n, line in enumerate(history):
        records.append(line.rstrip(b"\n"))
        if n % 12 == 0 and corpus:
            records.append(corpus.pop(0))
    records += corpus + [BOOM]

    engine_topics = topics(settings)
    Engine(settings, roles=("intake",)).run(until_idle=True)  # makes the topics
    producer = KafkaProducer(**settings.kafka_client_config(), acks="all")
    for raw in records:
        producer.send(engine_topics.intake, key=intake_key(raw), value=raw)
    producer.flush()
    producer.close()

    Engine(settings).run(until_idle=True)

    replay = replay_history(records, load_policy(), keep_audit_events=True)
    failed = [e for e in replay.rejected.entries if e.reason == "decision_failed"]
    assert [e.message_id for e in failed] == ["h-boom"]
    assert_views_equal_replay(settings, replay)

    rejected = {bytes(r.value): header_map(r) for r in read_topic(settings, engine_topics.rejected)}
    for hostile in HOSTILE:
        headers = rejected.get(hostile.raw)
        assert headers is not None, f"{hostile.name}: not on the rejected topic with its bytes"
        assert headers["casebook.reason"].decode() == hostile.reason, hostile.name
    boom = rejected[BOOM]
    assert boom["casebook.reason"] == b"decision_failed"
    assert b"ZeroDivisionError: injected into h-boom" in boom["casebook.detail"]
