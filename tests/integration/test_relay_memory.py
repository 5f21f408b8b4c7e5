"""A published batch is freed as soon as it is published, not at the next full collection.

kafka-python 3.0's `poll()` leaves a reference cycle (an exception, its traceback, the
poll's frames) that holds the caller's frame: a batch kept in that frame stayed in memory
until the interpreter's rare full collection, and the relay process grew with the history.
With the cyclic collector off, only reference counting frees anything: every record the
relay published must be gone once `step` returns.
"""

from __future__ import annotations

import gc
import weakref

from consumers.relay import OutboxRelay
from consumers.topics import ensure_topics
from consumers.wire import OutgoingRecord


class ListSource:
    """An outbox of fresh records, handed out once each."""

    def __init__(self, topic: str) -> None:
        self._topic = topic
        self._next = 1
        self.handed: list[weakref.ref[OutgoingRecord]] = []

    def fetch(self, after: int, limit: int) -> tuple[list[tuple[str, OutgoingRecord]], int | None]:
        if after >= 30:
            return [], None
        batch = []
        for _ in range(10):
            record = OutgoingRecord(key=b"C-1", value=b"x" * 1000, headers=[])
            self.handed.append(weakref.ref(record))
            batch.append((self._topic, record))
        return batch, after + 10

    def last_id(self) -> int | None:
        return None


def test_the_relay_keeps_no_published_record_alive(settings_factory):
    settings = settings_factory("sqlite")
    topics = ensure_topics(settings.kafka())
    source = ListSource(topics.events)
    relay = OutboxRelay(settings.kafka(), source, topics.relay_positions)
    gc.collect()
    gc.disable()
    try:
        published = 0
        for _ in range(200):
            published += relay.step(timeout_ms=100)
            if published >= 30:
                break
        assert published == 30
        alive = sum(ref() is not None for ref in source.handed)
    finally:
        gc.enable()
        relay.close()
    assert alive == 0
