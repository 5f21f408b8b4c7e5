"""Publish a history file to the intake topic, as upstream services would."""

from __future__ import annotations

import json
from collections.abc import Iterable

from casebook.settings import Settings
from consumers.kafka_clients import make_producer
from consumers.topics import ensure_topics


def intake_key(line: bytes) -> bytes | None:
    """The record key: the message's `case_id`; a line that is not a JSON object has none."""
    try:
        document = json.loads(line)
    except ValueError:
        return None
    case_id = document.get("case_id") if isinstance(document, dict) else None
    return case_id.encode("utf-8") if isinstance(case_id, str) else None


def publish_history(settings: Settings, lines: Iterable[bytes]) -> int:
    """Send every non-empty line as it is, keyed by case id; returns how many were sent."""
    topics = ensure_topics(settings)
    producer = make_producer(settings, linger_ms=20, max_request_size=2 * 1024 * 1024)
    sent = 0
    try:
        futures = []
        for line in lines:
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            futures.append(producer.send(topics.intake, key=intake_key(value), value=value))
            sent += 1
        producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises if the broker refused a record
    finally:
        producer.close()
    return sent
