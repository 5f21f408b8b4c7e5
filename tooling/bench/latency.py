"""Publish -> view latency at a steady rate, with the engine running as a subprocess.

A publisher thread sends the history at `rate` messages per second and notes when it sent
each sampled message; the main thread polls the durable views for the sampled messages'
audit rows and notes when each appeared. Only messages that leave an audit row (accepted,
never duplicated) are sampled, so every sample must appear: the offline replay of the same
history says which those are.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.replay import replay_history
from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.kafka_clients import make_producer
from consumers.publishing import intake_key
from consumers.topics import ensure_topics
from consumers.view_store import ViewStore
from tooling.bench.children import start_engine, stop_engine
from tooling.bench.measures import percentile

WARM_UP_LINES = 200
# Between two looks at the views: a sample is seen at most this much (plus one query) late,
# and the watcher, which shares the machine with the engine it times, stays under a tenth
# of a core (every 2 ms it took over half of one, with the publisher).
WATCH_PAUSE_S = 0.005
PUBLISHER_LINGER_MS = 5
SETTLE_TIMEOUT_S = 30.0


@dataclass
class Samples:
    """Which lines are watched (line index -> (message id, case id)) and when things happened."""

    watched: dict[int, tuple[str, str]]
    sent: dict[str, float] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    case_of: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.case_of = dict(self.watched.values())

    def pending(self) -> dict[str, str]:
        with self.lock:
            return {mid: self.case_of[mid] for mid in self.sent if mid not in self.seen}


def choose_samples(
    lines: Sequence[bytes], settings: Settings, every: int
) -> dict[int, tuple[str, str]]:
    """Every `every`-th line (after the warm-up) whose message leaves exactly one audit trace."""
    result = replay_history(lines, load_policy(settings.policy_file), keep_audit_events=True)
    effects = {
        entry.message_id: case_id
        for case_id, audit in result.audit.cases.items()
        for entry in audit.events
    }
    occurrences: dict[str, int] = {}
    for line in lines:
        occurrences[_message_id(line) or ""] = occurrences.get(_message_id(line) or "", 0) + 1
    eligible = [
        (index, mid)
        for index, line in enumerate(lines)
        if index >= WARM_UP_LINES
        and (mid := _message_id(line)) in effects
        and occurrences[mid] == 1
    ]
    return {index: (mid, effects[mid]) for index, mid in eligible[::every]}


def _message_id(line: bytes) -> str | None:
    try:
        document = json.loads(line)
    except ValueError:
        return None
    mid = document.get("message_id") if isinstance(document, dict) else None
    return mid if isinstance(mid, str) else None


def publish_paced(
    settings: Settings, lines: Sequence[bytes], rate: float, samples: Samples
) -> dict[str, Any]:
    """Send lines[WARM_UP_LINES:] at `rate` per second, noting the send time of sampled ones."""
    topic = ensure_topics(settings.kafka()).intake
    # Kafka 4's default linger (5 ms), as an upstream service's producer would have: with
    # none, each message was a request of its own, and the publisher (sharing the two cores
    # with the engine it times) took over half a core, the broker a third of one. A message
    # waiting in the producer is counted: its time starts before `send`.
    producer = make_producer(settings.kafka(), linger_ms=PUBLISHER_LINGER_MS)
    producer.partitions_for(topic)  # metadata now, not inside the first timed send
    late = 0
    try:
        started = time.perf_counter()
        for number, index in enumerate(range(WARM_UP_LINES, len(lines))):
            due = started + number / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.01:
                late += 1
            value = lines[index].rstrip(b"\r\n")
            watched = samples.watched.get(index)
            if watched is not None:
                with samples.lock:
                    samples.sent[watched[0]] = time.perf_counter()
            producer.send(topic, key=intake_key(value), value=value)
        producer.flush()
        elapsed = time.perf_counter() - started
    finally:
        producer.close()
    sent = len(lines) - WARM_UP_LINES
    return {
        "messages": sent,
        "seconds": elapsed,
        "achieved_rate": sent / elapsed,
        "late_sends": late,
    }


def warm_up(
    settings: Settings, lines: Sequence[bytes], views: ViewStore, timeout: float = 90.0
) -> float:
    """Send the first lines unpaced and wait until the engine has put one case in the views."""
    topic = ensure_topics(settings.kafka()).intake
    producer = make_producer(settings.kafka())
    started = time.perf_counter()
    try:
        for line in lines[:WARM_UP_LINES]:
            value = line.rstrip(b"\r\n")
            producer.send(topic, key=intake_key(value), value=value)
        producer.flush()
    finally:
        producer.close()
    while time.perf_counter() - started < timeout:
        if views.case_ids():
            return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError("the engine showed nothing in the views after the warm-up")


def watch(views: ViewStore, samples: Samples, publisher: threading.Thread) -> dict[str, Any]:
    """Poll the views for pending samples until all appeared (or none did for a while)."""
    rounds = 0
    polling_s = 0.0
    last_seen, progress_at = 0, time.perf_counter()
    while True:
        pending = samples.pending()
        if not publisher.is_alive() and (
            not pending or time.perf_counter() - progress_at > SETTLE_TIMEOUT_S
        ):
            break  # all appeared, or none appeared for a while after the last send
        if len(samples.seen) != last_seen:
            last_seen, progress_at = len(samples.seen), time.perf_counter()
        started = time.perf_counter()
        # One query for every pending sample: reading each pending case's whole audit
        # history every round took ~40 % of a core, from the two the engine runs on.
        audited = views.audited_messages(sorted(set(pending.values())))
        now = time.perf_counter()
        with samples.lock:
            for message_id, case_id in pending.items():
                if (case_id, message_id) in audited:
                    samples.seen.setdefault(message_id, now)
        rounds += 1
        polling_s += time.perf_counter() - started
        time.sleep(WATCH_PAUSE_S)
    return {"poll_rounds": rounds, "mean_poll_ms": 1000 * polling_s / rounds if rounds else None}


def measure_latency(
    settings: Settings, lines: Sequence[bytes], rate: float, every: int
) -> dict[str, Any]:
    samples = Samples(choose_samples(lines, settings, every))
    engine = start_engine(settings)
    views = ViewStore(settings.stores())
    try:
        warm_up_s = warm_up(settings, lines, views)
        published: dict[str, Any] = {}
        publisher = threading.Thread(
            target=lambda: published.update(publish_paced(settings, lines, rate, samples)),
            name="bench-publisher",
        )
        publisher.start()
        polling = watch(views, samples, publisher)
        publisher.join()
    finally:
        views.close()
        exit_code = stop_engine(engine)
    latencies = [
        1000 * (samples.seen[mid] - sent)
        for mid, sent in samples.sent.items()
        if mid in samples.seen
    ]
    return {
        "rate": rate,
        "warm_up_s": warm_up_s,
        "published": published,
        "samples": len(samples.sent),
        "appeared": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=None),
        "engine_exit_code": exit_code,
        **polling,
    }
