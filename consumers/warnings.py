"""Breach warnings onto Kafka: recorded once in the view store, published exactly once.

The projection runner records warnings as its clock passes their thresholds (only when it
has caught up, so responses already on the topic are known); this outbox source feeds them
to an `OutboxRelay`, the same exactly-once mechanism as the case events.
"""

from __future__ import annotations

import json

from consumers.view_store import ViewStore
from consumers.wire import OutgoingRecord


class WarningsOutbox:
    def __init__(self, views: ViewStore, topic: str) -> None:
        self._views = views
        self._topic = topic

    def fetch(self, after: int, limit: int) -> tuple[list[tuple[str, OutgoingRecord]], int | None]:
        rows = self._views.warnings_after(after, limit)
        if not rows:
            return [], None
        records = [
            (
                self._topic,
                OutgoingRecord(
                    key=warning.case_id.encode("utf-8"),
                    value=json.dumps(warning.to_wire(), sort_keys=True).encode("utf-8"),
                    headers=[("casebook.warning_id", warning.warning_id.encode("utf-8"))],
                ),
            )
            for _, warning in rows
        ]
        return records, rows[-1][0]

    def last_id(self) -> int | None:
        return self._views.last_warning_seq()
