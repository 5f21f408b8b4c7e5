"""The scratch database of one bounded replay: a SQLite file in its own temporary folder.

Nothing in it must survive a crash, so it is tuned for speed, not durability: no rollback
journal, no fsync, one long transaction held exclusively. Its page cache is bounded, so
memory stays flat however large the file grows; the folder is removed on close.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

CACHE_KIB = 2 * 1024
"""SQLite's page cache, the only memory the file costs (KiB)."""

SCHEMA = (
    "CREATE TABLE seen (message_id TEXT PRIMARY KEY) WITHOUT ROWID",
    # `metrics`: the case's SLA v2 timeline, NULL when the policy has no targets.
    "CREATE TABLE cases (case_id TEXT PRIMARY KEY, opened_us INTEGER NOT NULL,"
    " aggregate BLOB, sla BLOB NOT NULL, audit BLOB NOT NULL, metrics BLOB)",
    "CREATE TABLE rejected (line INTEGER PRIMARY KEY, at_us INTEGER, message_id TEXT,"
    " case_id TEXT, reason TEXT NOT NULL, detail TEXT NOT NULL)",
)


class ScratchDatabase:
    """One connection to a fresh scratch file; `close()` (or `with`) deletes it."""

    def __init__(self, parent: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="casebook-replay-", dir=parent))
        try:
            self.connection = sqlite3.connect(self.folder / "scratch.sqlite", isolation_level=None)
            for pragma in (
                "journal_mode = OFF",
                "synchronous = OFF",
                "locking_mode = EXCLUSIVE",
                "temp_store = FILE",
                f"cache_size = -{CACHE_KIB}",
            ):
                self.connection.execute(f"PRAGMA {pragma}")
            for statement in SCHEMA:
                self.connection.execute(statement)
            self.connection.execute("BEGIN")
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def close(self) -> None:
        """Drop the file and its folder; safe to call twice."""
        if self.folder.exists():
            self.connection.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ScratchDatabase:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """An instant as whole microseconds since 1970 UTC: ordered in SQL as the instants are."""
    return (instant - EPOCH) // ONE_MICROSECOND
