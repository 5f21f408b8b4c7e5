"""The roles' Prometheus metrics (`prometheus-client`), one set per process.

Names follow Prometheus conventions: a `casebook_` prefix, `_total` counters, `_seconds`
histograms and timestamps; labels take only bounded values (roles, reason codes, topics
and partition numbers, outcomes), never a case or message id. Each process serves its
own registry on its metrics port (`consumers.health`); a role's process counts only its
own work, and Prometheus sums them.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.reasons import ReasonCode
from projections.warnings import LEVELS

WARNING_KINDS = tuple(kind for _, _, kind in LEVELS)

REGISTRY = CollectorRegistry(auto_describe=True)
"""Casebook's own registry: the default one would also export the client's process and
platform collectors under other names, and a test could not start from zero."""

BATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

DECIDED = Counter(
    "casebook_intake_messages_decided_total",
    "Intake messages decided, by outcome (accepted, rejected, duplicate) and reason code.",
    ["outcome", "reason"],
    registry=REGISTRY,
)
RELAYED = Counter(
    "casebook_relay_records_published_total",
    "Records the relay published in committed Kafka transactions, by outbox.",
    ["outbox"],
    registry=REGISTRY,
)
ELECTED = Gauge(
    "casebook_relay_elected",
    "1 while this process's relay holds the outbox's election (its group's partition).",
    ["outbox"],
    registry=REGISTRY,
)
VIEW_ROWS = Counter(
    "casebook_view_events_applied_total",
    "Case events and rejections the projections wrote into the durable views.",
    ["kind"],
    registry=REGISTRY,
)
WARNINGS_RECORDED = Counter(
    "casebook_sla_warnings_recorded_total",
    "Breach warnings recorded, by kind (half_time_passed, three_quarter_time_passed, breached).",
    ["kind"],
    registry=REGISTRY,
)
LAG = Gauge(
    "casebook_consumer_lag_records",
    "Records on the partition after the role's stored position (end offset minus position).",
    ["role", "topic", "partition"],
    registry=REGISTRY,
)
NEWEST_EVENT_TIME = Gauge(
    "casebook_newest_event_timestamp_seconds",
    "Event time (the upstream `at`) of the newest record the role handled, Unix seconds.",
    ["role"],
    registry=REGISTRY,
)
NEWEST_EVENT_SEEN = Gauge(
    "casebook_newest_event_seen_timestamp_seconds",
    "Wall time at which the role handled its newest record, Unix seconds.",
    ["role"],
    registry=REGISTRY,
)
BATCH_SECONDS = Histogram(
    "casebook_batch_duration_seconds",
    "Time a role took over one poll's records, decided or applied and stored.",
    ["role"],
    buckets=BATCH_BUCKETS,
    registry=REGISTRY,
)
COMMIT_SECONDS = Histogram(
    "casebook_store_commit_duration_seconds",
    "Time of one store transaction (events, ledger and positions; or view rows).",
    ["role"],
    buckets=BATCH_BUCKETS,
    registry=REGISTRY,
)
RESTARTS = Counter(
    "casebook_role_restarts_total",
    "Workers rebuilt after a retriable failure, by role and cause (the exception's class).",
    ["role", "cause"],
    registry=REGISTRY,
)
BACKOFF_SECONDS = Counter(
    "casebook_role_backoff_seconds_total",
    "Seconds a role waited in its back-off before rebuilding its worker, by cause.",
    ["role", "cause"],
    registry=REGISTRY,
)
READY = Gauge(
    "casebook_role_ready",
    "1 while the role reports ready (assigned, caught up within the bound, store and broker"
    " reachable).",
    ["role"],
    registry=REGISTRY,
)

# Every outcome and reason code exported from the start, at 0: a series that appears only
# with its first increment loses that increment to `increase()` and `rate()` (Prometheus
# sees no earlier sample), and the dead-letter alert would miss the first rejection.
for _outcome in ("accepted", "duplicate"):
    DECIDED.labels(_outcome, "")
for _reason in ReasonCode:
    DECIDED.labels("rejected", _reason.value)
for _kind in WARNING_KINDS:
    WARNINGS_RECORDED.labels(_kind)

LAG_EVERY_S = 1.0
"""How often a worker looks at its lag: a store query per partition, not per poll."""


def observe_lag(
    role: str, consumer: Any, next_offset: Callable[[Any], int | None]
) -> tuple[int, int]:
    """Set each assigned partition's lag; return their sum and how many partitions' ends
    are not known yet (not fetched since the assignment: unknown, not zero).

    The lag is the end offset (as the last fetch saw it) minus the next offset the role's
    store expects, or its consumer's position when that is further: on the topics the relay
    writes in transactions, a commit marker follows each batch, and the stored position
    alone would show 1 record of lag forever (see `offsets.CaughtUpHints`). Called between
    steps, when everything fetched was stored or sought back to."""
    total = unknown = 0
    for partition in consumer.assignment():
        end = consumer.highwater(partition)
        if end is None:
            unknown += 1
            continue
        wanted = next_offset(partition) or 0
        position = consumer.position(partition, timeout_ms=100)
        lag = max(0, end - max(wanted, position or 0))
        LAG.labels(role, partition.topic, str(partition.partition)).set(lag)
        total += lag
    return total, unknown


def observe_newest(role: str, newest: float, event_times: Iterable[datetime]) -> float:
    """Move the role's newest event time (Unix seconds) on by a batch's, note when it was
    handled (wall clock), and return it; the newest, not the latest read (a batch of an
    older partition does not move it back)."""
    latest = max(event_times, default=None)  # compared as instants: one conversion, not one each
    if latest is None:
        return newest
    newest = max(newest, latest.timestamp())
    NEWEST_EVENT_TIME.labels(role).set(newest)
    NEWEST_EVENT_SEEN.labels(role).set_to_current_time()
    return newest


def count_decided(accepted: int, duplicates: int, rejected_reasons: Iterable[str]) -> None:
    """Count one stored poll's decisions by outcome (and reason code, for rejections)."""
    DECIDED.labels("accepted", "").inc(accepted)
    DECIDED.labels("duplicate", "").inc(duplicates)
    for reason, count in Tally(rejected_reasons).items():
        DECIDED.labels("rejected", reason).inc(count)
