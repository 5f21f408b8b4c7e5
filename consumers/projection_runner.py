"""The projection runner: `casebook.events` and the rejected topic -> the durable views.

Rows and the Kafka position are stored together (`ViewStore.apply_batch`), so the views are
exactly as far as their positions say, whatever crashes in between.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers import metrics
from consumers.config import KafkaConfig
from consumers.kafka_clients import SeekToStoredPositions, make_consumer, subscribe_known
from consumers.offsets import CaughtUpHints, hint_positions
from consumers.role_health import ConsumerHealth
from consumers.topics import Topics
from consumers.view_store import ViewStore
from consumers.wire import header
from domain.case import Case
from domain.event_codec import event_from_wire
from domain.policy import Policy
from domain.timefmt import parse_instant
from projections.rejections import RejectedMessage

log = logging.getLogger(__name__)


class ProjectionWorker:
    def __init__(
        self,
        kafka: KafkaConfig,
        views: ViewStore,
        topics: Topics,
        group: str | None = None,
        clock: Callable[[], datetime] | None = None,
        warnings_every_s: float = 1.0,
        policy: Policy | None = None,
    ) -> None:
        """`clock` drives breach warnings (None: no warnings); tests pass one they control.
        With a `policy` that has targets, the SLA v2 metrics warn too."""
        self._views = views
        self._clock = clock
        self._metric_policy = policy if policy is not None and policy.targets else None
        self._warnings_every_s = warnings_every_s
        self._warnings_checked = float("-inf")
        self._unchecked_changes = clock is not None
        self._topics = topics
        self._consumer = make_consumer(kafka, group or kafka.topic("casebook-projections"))
        self._caught_up = CaughtUpHints(self._consumer)
        self._listener = SeekToStoredPositions(self._consumer, self._stored_position)
        subscribe_known(self._consumer, [topics.events, topics.rejected], self._listener)
        self.applied = 0
        self.health = ConsumerHealth(
            "projections", self._consumer, self._next_offset, kafka.ready_max_lag
        )

    def _stored_position(self, partition: TopicPartition) -> int | None:
        return self._views.position(partition.topic, partition.partition)

    working = False
    """True while a step has records in hand (read from the engine's status thread)."""

    def step(self, timeout_ms: int = 200) -> int:
        # Straight into `_take`, never a local here: see `OutboxRelay._publish_next`.
        try:
            return self._take(self._consumer.poll(timeout_ms=timeout_ms))
        finally:
            self.working = False
            self.health.check()

    def _next_offset(self, partition: TopicPartition) -> int:
        stored = self._stored_position(partition)
        return 0 if stored is None else stored + 1

    def readiness(self) -> str | None:
        """Why this worker is not ready (None: ready)."""
        return self.health.problem

    def _take(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> int:
        self.working = bool(batches)  # records in hand: not idle, whatever the last step said
        taken = 0
        self._listener.check_rebalance()
        hints: dict[TopicPartition, int] = {}
        for partition, records in batches.items():
            with metrics.BATCH_SECONDS.labels("projections").time():
                done = self._apply(partition, records)
            if done:
                hints[partition] = records[-1].offset + 1
            taken += done
        hint_positions(self._consumer, hints)
        if taken:
            self._unchecked_changes = self._clock is not None
        elif self._clock is not None:
            self._record_warnings(self._clock)
        return taken

    def idle(self) -> bool:
        return not self._unchecked_changes and self._caught_up.caught_up()

    def _record_warnings(self, clock: Callable[[], datetime]) -> None:
        """Warn only when caught up: responses already on the topic must be known first.

        At most once per `warnings_every_s`, changes or not: a scan reads every open case, and
        one after each small batch held up the next (publish -> view latency) for nothing, as
        warnings are due by the second. Until the scan after the last change, not idle."""
        due = time.monotonic() >= self._warnings_checked + self._warnings_every_s
        if not due or not self._caught_up.caught_up():
            return
        now = clock()
        recorded = self._views.record_due_warnings(now)
        if self._metric_policy is not None:
            recorded += self._views.record_metric_warnings(now, self._metric_policy)
        self._warnings_checked = time.monotonic()
        self._unchecked_changes = False
        for kind, count in sorted(recorded.items()):
            metrics.WARNINGS_RECORDED.labels(kind).inc(count)
            log.info("recorded %d breach warnings: %s", count, kind)

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def _apply(self, partition: TopicPartition, records: list[ConsumerRecord]) -> int:
        stored = self._stored_position(partition)
        fresh = [record for record in records if stored is None or record.offset > stored]
        if not fresh:
            return 0
        events: list[Case.Event] = []
        rejections: list[RejectedMessage] = []
        for record in fresh:
            if partition.topic == self._topics.events:
                events.append(event_from_wire(json.loads(record.value)))
            else:
                rejections.append(_rejection(record))
        applied = False
        stored_ok = False
        try:
            with metrics.COMMIT_SECONDS.labels("projections").time():
                applied = self._views.apply_batch(
                    partition.topic, partition.partition, fresh[-1].offset, events, rejections
                )
            stored_ok = True
        finally:
            if not stored_ok:
                # The store failed: the consumer has moved past records that are not
                # applied. Go back to where the store says, so nothing is skipped.
                self._consumer.seek(partition, fresh[0].offset)
        if applied:
            self.applied += len(fresh)
            metrics.VIEW_ROWS.labels("events").inc(len(events))
            metrics.VIEW_ROWS.labels("rejections").inc(len(rejections))
            self.health.handled(event.timestamp for event in events)
        return len(fresh)


def _rejection(record: ConsumerRecord) -> RejectedMessage:
    """A rejected record as the view keeps it, read from the headers the relay wrote."""
    source = "|".join(
        (
            header(record.headers, "casebook.source.topic") or "?",
            header(record.headers, "casebook.source.partition") or "-1",
            header(record.headers, "casebook.source.offset") or "-1",
        )
    )
    at = header(record.headers, "casebook.at")
    return RejectedMessage(
        reason=header(record.headers, "casebook.reason") or "invalid_message",
        detail=header(record.headers, "casebook.detail") or "",
        message_id=header(record.headers, "casebook.message_id"),
        case_id=header(record.headers, "casebook.case_id"),
        at=parse_instant(at) if at else None,
        source=source,
    )
