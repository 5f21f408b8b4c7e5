"""The event store: an eventsourcing application on SQLite (default) or PostgreSQL.

Its notification log is the outbox: case events, ledger entries and dead letters are
recorded atomically with the intake's Kafka positions (tracking rows), and the relay
publishes from the log. The backend is chosen by settings, never by domain code.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ProcessRecorder, Transcoder
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from consumers.config import StoreConfig
from consumers.store_recorders import batch_recorder_topic
from consumers.store_transcoder import OrjsonTranscoder

STORE_NAME = "casebook_store"


class CaseStore(Application):
    """Holds every case's events; recorded with tracking so positions move atomically."""

    name = STORE_NAME

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_recorder(self) -> ProcessRecorder:  # type: ignore[override]
        # A process recorder also records tracking rows (our Kafka positions) in the
        # same transaction as the events: the store, not Kafka, is the source of truth.
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder


def store_env(stores: StoreConfig, name: str = "store") -> dict[str, str]:
    """eventsourcing's environment for the configured backend."""
    if stores.kind == "postgres":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": stores.postgres.dbname,
            "POSTGRES_HOST": stores.postgres.host,
            "POSTGRES_PORT": str(stores.postgres.port),
            "POSTGRES_USER": stores.postgres.user,
            "POSTGRES_PASSWORD": stores.postgres.password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "3",
            "POSTGRES_MAX_OVERFLOW": "2",
            "PROCESS_RECORDER_TOPIC": batch_recorder_topic(stores.kind),
        }
    path = sqlite_path(stores, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
        "PROCESS_RECORDER_TOPIC": batch_recorder_topic(stores.kind),
    }


def sqlite_path(stores: StoreConfig, name: str) -> Path:
    return Path(stores.data_dir).resolve() / f"{name}.sqlite"


def open_case_store(stores: StoreConfig) -> CaseStore:
    return CaseStore(env=store_env(stores))


SQLITE_MAX_PARAMS = 900


def existing_originators(store: CaseStore, ids: list[UUID]) -> set[UUID]:
    """Which of these aggregate ids have events: one query per chunk instead of one per id.

    The intake asks this for a whole poll batch (message ledger entries, cases), which is
    what eventsourcing's one-aggregate-at-a-time API cannot do in one round trip.
    """
    recorder = store.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    found: set[UUID] = set()
    if not ids:
        return found
    if isinstance(recorder, SQLiteProcessRecorder):
        for start in range(0, len(ids), SQLITE_MAX_PARAMS):
            chunk = ids[start : start + SQLITE_MAX_PARAMS]
            marks = ",".join("?" * len(chunk))
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(
                    f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id IN ({marks})",
                    [i.hex for i in chunk],
                )
                found.update(UUID(str(row[0])) for row in cursor.fetchall())
        return found
    assert isinstance(recorder, PostgresProcessRecorder)
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id = ANY(%s)",  # type: ignore[arg-type]
            [ids],
        )
        found.update(
            UUID(str(row["originator_id"] if isinstance(row, dict) else row[0]))
            for row in cursor.fetchall()
        )
    return found
