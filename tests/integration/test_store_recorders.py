"""Several positions move in the transaction that stores the events, on both stores."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from consumers.event_store import open_case_store
from consumers.sqlite_wal import WAL_AUTOCHECKPOINT_PAGES
from consumers.store_recorders import MORE_TRACKING, PostgresBatchRecorder, SQLiteBatchRecorder
from consumers.view_store import ViewStore
from domain.ledger import ledger_entry_event, ledger_entry_id

STORES = ["sqlite", "postgres"]


def entries(*message_ids: str):
    return [ledger_entry_event(m, "C-1", "accepted", None) for m in message_ids]


@pytest.mark.parametrize("store_kind", STORES)
def test_every_position_is_recorded_with_the_events(settings_factory, store_kind: str) -> None:
    store = open_case_store(settings_factory(store_kind, kafka=False).stores())
    recorder = store.process_recorder
    expected = PostgresBatchRecorder if store_kind == "postgres" else SQLiteBatchRecorder
    assert isinstance(recorder, expected)
    stored = [store.mapper.to_stored_event(e) for e in entries("m-1", "m-2")]
    recorder.insert_events(
        stored,
        tracking=Tracking("intake|t|0", 7),
        **{MORE_TRACKING: [Tracking("intake|t|1", 3), Tracking("intake|t|2", 11)]},
    )
    assert recorder.max_tracking_id("intake|t|0") == 7
    assert recorder.max_tracking_id("intake|t|1") == 3
    assert recorder.max_tracking_id("intake|t|2") == 11
    assert recorder.select_events(ledger_entry_id("m-2"))
    store.close()


@pytest.mark.parametrize("store_kind", STORES)
def test_a_position_recorded_before_fails_the_whole_transaction(
    settings_factory, store_kind: str
) -> None:
    """Another owner recorded one partition's batch first: nothing of ours is kept, not the
    events, not the positions of the other partitions."""
    store = open_case_store(settings_factory(store_kind, kafka=False).stores())
    recorder = store.process_recorder
    recorder.insert_events(
        [store.mapper.to_stored_event(e) for e in entries("m-1")],
        tracking=Tracking("intake|t|1", 3),
    )
    with pytest.raises(IntegrityError):
        recorder.insert_events(
            [store.mapper.to_stored_event(e) for e in entries("m-2", "m-3")],
            tracking=Tracking("intake|t|0", 7),
            **{MORE_TRACKING: [Tracking("intake|t|1", 3), Tracking("intake|t|2", 11)]},
        )
    assert recorder.max_tracking_id("intake|t|0") is None
    assert recorder.max_tracking_id("intake|t|2") is None
    assert recorder.max_tracking_id("intake|t|1") == 3
    assert not recorder.select_events(ledger_entry_id("m-2"))
    assert not recorder.select_events(ledger_entry_id("m-3"))
    store.close()


def test_sqlite_writes_checkpoint_the_log_only_past_its_tuned_size(settings_factory) -> None:
    """The store's writing connection and the views' connection let the WAL grow to
    `WAL_AUTOCHECKPOINT_PAGES` before a commit copies it back (see `consumers.sqlite_wal`)."""
    settings = settings_factory("sqlite", kafka=False)
    store = open_case_store(settings.stores())
    recorder = store.process_recorder
    recorder.insert_events(
        [store.mapper.to_stored_event(e) for e in entries("m-1")],
        tracking=Tracking("intake|t|0", 1),
    )
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == WAL_AUTOCHECKPOINT_PAGES
    store.close()
    views = ViewStore(settings.stores())
    try:
        assert views._execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT_PAGES
    finally:
        views.close()
