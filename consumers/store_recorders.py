"""Process recorders that move several positions in the transaction that stores the events
(and, on SQLite, let the write-ahead log grow before it is checkpointed: `sqlite_wal`).

eventsourcing records one tracking row (a consumed position) with each `insert_events`. The
intake reads a poll's records from several partitions of its topic: recording them one
partition at a time made a transaction, and a commit waiting for the disk, per partition,
and the last partition's records waited behind the others' commits (publish -> view
latency). With these recorders a poll's events, ledger entries, dead letters and every
partition's new position are one transaction: all of them or none.

They are eventsourcing's own process recorders, chosen through its `PROCESS_RECORDER_TOPIC`
setting; the extra positions are rows of the same tracking table, inserted with the
recorder's own statement, so a position recorded twice is the same `IntegrityError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from eventsourcing.utils import get_topic

from consumers.sqlite_wal import WAL_AUTOCHECKPOINT

# The keyword of `insert_events` that carries the positions beyond its `tracking`.
MORE_TRACKING = "more_tracking"


def _more_tracking(kwargs: dict[str, Any]) -> Sequence[Tracking]:
    return kwargs.get(MORE_TRACKING) or ()


class SQLiteBatchRecorder(SQLiteProcessRecorder):
    """SQLite: `insert_events(events, tracking=..., more_tracking=[...])`, one transaction."""

    def _insert_events(  # type: ignore[override]
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A setting of the connection, for the commit that ends this transaction: set on
        # every write (a statement without I/O), as eventsourcing makes its connections.
        c.execute(WAL_AUTOCHECKPOINT)
        returning = super()._insert_events(c, stored_events, **kwargs)
        for tracking in _more_tracking(kwargs):
            self._insert_tracking(c, tracking)
        return returning


class PostgresBatchRecorder(PostgresProcessRecorder):
    """PostgreSQL: as eventsourcing does, positions first, then the events."""

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        for tracking in _more_tracking(kwargs):
            self._insert_tracking(curs, tracking=tracking)
        super()._insert_events(curs, stored_events, **kwargs)


def batch_recorder_topic(store: str) -> str:
    """The `PROCESS_RECORDER_TOPIC` for the configured backend."""
    return get_topic(PostgresBatchRecorder if store == "postgres" else SQLiteBatchRecorder)
