"""Breach warnings on Kafka: dated at their thresholds, sent once, never again on a rebuild.

The engine runs in-process with a clock the test sets; the warnings topic is read back with
read_committed, as any downstream consumer would.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from analysis.replay import replay_history
from casebook.policies import load_policy
from casebook.wiring import Engine
from consumers.publishing import publish_history
from consumers.topics import Topics
from consumers.view_store import ViewStore

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


class SetClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def expected_warnings(now: datetime) -> set[tuple[str, str, str]]:
    """Worked out from the replay's rows with the rule written out plainly, level by level."""
    rows = replay_history(SAMPLE.read_bytes().splitlines(), load_policy()).sla.cases.values()
    expected = set()
    for row in rows:
        span = row.due_at - row.opened_at
        for kind, at, reached in (
            ("half_time_passed", row.opened_at + span / 2, now >= row.opened_at + span / 2),
            (
                "three_quarter_time_passed",
                row.opened_at + span * 3 / 4,
                now >= row.opened_at + span * 3 / 4,
            ),
            ("breached", row.due_at, now > row.due_at),
        ):
            answered = row.first_response_at is not None and row.first_response_at <= at
            closed = row.closed_at is not None and row.closed_at <= at
            if not reached or answered or closed:
                break
            expected.add((row.case_id, kind, at.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return expected


def warnings_on_topic(settings) -> list[tuple[str, str, str]]:
    topic = Topics.named(settings.kafka()).warnings
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        found = []
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    value = json.loads(record.value)
                    found.append((value["case_id"], value["kind"], value["at"]))
        return found
    finally:
        consumer.close()


def test_warnings_are_sent_once_at_the_right_event_time(settings_factory):
    settings = settings_factory("sqlite", partitions=3)
    publish_history(settings.kafka(), SAMPLE.read_bytes().splitlines())
    middle = datetime(2026, 9, 14, 5, 0, tzinfo=UTC)  # C-7-000028 (due 07:00:30) past 75 %
    clock = SetClock(middle)

    Engine(settings, clock=clock).run(until_idle=True)
    first = warnings_on_topic(settings)
    assert Counter(first).most_common(1)[0][1] == 1, "a warning was sent twice"
    assert set(first) == expected_warnings(middle)
    assert ("C-7-000005", "breached", "2026-09-14T00:07:19Z") in first  # never answered

    clock.now = datetime(2026, 10, 5, tzinfo=UTC)  # the clock moves on: the rest come, once
    Engine(settings, clock=clock).run(until_idle=True)
    second = warnings_on_topic(settings)
    assert Counter(second).most_common(1)[0][1] == 1
    assert set(second) == expected_warnings(clock.now)
    assert second[: len(first)] == first or set(first) <= set(second)

    views = ViewStore(settings.stores())  # a rebuild from zero re-derives them all, and sends none
    views.reset()
    views.close()
    clock.now += timedelta(days=30)
    Engine(settings, ("projections", "relay"), clock=clock).run(until_idle=True)
    assert sorted(warnings_on_topic(settings)) == sorted(second)
