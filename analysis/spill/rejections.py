"""The refused messages of a bounded replay, written to the scratch file in batches.

Histories can refuse a large share of their lines, so the list is not kept in memory;
the report reads it back in input order (the line number is the key).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from analysis.spill.scratch import EPOCH, ONE_MICROSECOND, ScratchDatabase, micros
from projections.rejections import RejectedMessage, rejection_report

BATCH = 4096

VISIBLE = "at_us IS NULL OR at_us <= ?"
"""Undated refusals (unreadable lines) are shown as of any instant, as `visible_at` says."""


class SpilledRejections:
    """A `RejectionSink`: refusals go to the file a batch at a time, reads come back in line
    order. Until a first batch is full, the file is not used at all (nor read back)."""

    def __init__(self, scratch: ScratchDatabase) -> None:
        self._db = scratch.connection
        self._pending: list[Row] = []
        self._in_file = False

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
        if not self._pending:
            return
        self._db.executemany(
            "INSERT INTO rejected (line, at_us, message_id, case_id, reason, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            self._pending,
        )
        self._pending.clear()
        self._in_file = True

    def count(self, cutoff: int) -> int:
        """How many are shown as of `cutoff` (µs since 1970)."""
        if not self._in_file:
            return len(self._visible_in_memory(cutoff))
        self.flush()
        (count,) = self._db.execute(
            f"SELECT count(*) FROM rejected WHERE {VISIBLE}", (cutoff,)
        ).fetchone()
        return int(count)

    def report_entries(self, cutoff: int) -> Iterator[dict[str, Any]]:
        """The report entries of those shown as of `cutoff` (µs since 1970), in input order."""
        for line, _, message_id, case_id, reason, _ in self._visible_rows(cutoff):
            yield rejection_report(reason, message_id, case_id, line)

    def visible(self, cutoff: int) -> Iterator[RejectedMessage]:
        """Those shown as of `cutoff` (µs since 1970), in input order."""
        for line, at, message_id, case_id, reason, detail in self._visible_rows(cutoff):
            yield RejectedMessage(
                reason=reason,
                detail=detail,
                message_id=message_id,
                case_id=case_id,
                at=None if at is None else EPOCH + at * ONE_MICROSECOND,
                line=line,
            )

    def _visible_rows(self, cutoff: int) -> Iterable[Row]:
        if not self._in_file:
            return self._visible_in_memory(cutoff)
        self.flush()
        query = (
            "SELECT line, at_us, message_id, case_id, reason, detail FROM rejected"
            f" WHERE {VISIBLE} ORDER BY line"
        )
        rows: Iterable[Row] = self._db.execute(query, (cutoff,))
        return rows

    def _visible_in_memory(self, cutoff: int) -> list[Row]:
        """`VISIBLE` on the refusals not yet written (appended in line order)."""
        return [row for row in self._pending if row[1] is None or row[1] <= cutoff]


Row = tuple[int, int | None, str | None, str | None, str, str]
"""A refusal as stored: line, at (µs), message id, case id, reason, detail."""
