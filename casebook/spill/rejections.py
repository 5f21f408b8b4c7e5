"""The refused messages of a bounded replay, written to the scratch file in batches.

Histories can refuse a large share of their lines, so the list is not kept in memory;
the report reads it back in input order (the line number is the key).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from casebook.spill.scratch import EPOCH, ONE_MICROSECOND, ScratchDatabase, micros
from projections.rejections import RejectedMessage, rejection_report

BATCH = 4096

VISIBLE = "at_us IS NULL OR at_us <= ?"
"""Undated refusals (unreadable lines) are shown as of any instant, as `visible_at` says."""


class SpilledRejections:
    """A `RejectionSink`: refusals go to the file, reads come back in line order."""

    def __init__(self, scratch: ScratchDatabase) -> None:
        self._db = scratch.connection
        self._pending: list[tuple[object, ...]] = []

    def refuse(
        self,
        reason: str,
        detail: str,
        message_id: str | None,
        case_id: str | None,
        at: datetime | None,
        line: int,
    ) -> None:
        self._pending.append(
            (line, None if at is None else micros(at), message_id, case_id, reason, detail)
        )
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self._db.executemany(
            "INSERT INTO rejected (line, at_us, message_id, case_id, reason, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            self._pending,
        )
        self._pending.clear()

    def count(self, cutoff: int) -> int:
        """How many are shown as of `cutoff` (µs since 1970)."""
        self.flush()
        (count,) = self._db.execute(
            f"SELECT count(*) FROM rejected WHERE {VISIBLE}", (cutoff,)
        ).fetchone()
        return int(count)

    def report_entries(self, cutoff: int) -> Iterator[dict[str, Any]]:
        """The report entries of those shown as of `cutoff` (µs since 1970), in input order."""
        self.flush()
        query = (
            f"SELECT reason, message_id, case_id, line FROM rejected WHERE {VISIBLE} ORDER BY line"
        )
        for reason, message_id, case_id, line in self._db.execute(query, (cutoff,)):
            yield rejection_report(reason, message_id, case_id, line)

    def visible(self, cutoff: int) -> Iterator[RejectedMessage]:
        """Those shown as of `cutoff` (µs since 1970), in input order."""
        self.flush()
        query = (
            "SELECT line, at_us, message_id, case_id, reason, detail FROM rejected"
            f" WHERE {VISIBLE} ORDER BY line"
        )
        for line, at, message_id, case_id, reason, detail in self._db.execute(query, (cutoff,)):
            yield RejectedMessage(
                reason=reason,
                detail=detail,
                message_id=message_id,
                case_id=case_id,
                at=None if at is None else EPOCH + at * ONE_MICROSECOND,
                line=line,
            )
