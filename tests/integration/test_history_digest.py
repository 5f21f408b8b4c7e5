"""History digests against the real stores: later events are fine, earlier changes are not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casebook.policies import load_policy
from consumers.event_store import open_case_store, sqlite_path
from domain.desk import Accepted, IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from evidence.export import take_digest, verify_against_digest
from tests.integration.engine_support import connect_postgres

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


def record(store, lines: list[bytes], desk: IntakeDesk) -> None:
    for line in lines:
        outcome = desk.take(parse_message(line.rstrip(b"\n")))
        if isinstance(outcome, Accepted):
            store.save(outcome.case)


def tamper_one_event(settings, case_id: str) -> None:
    """Change the stored body of an event recorded before the digest, as an intruder would."""
    needle, replacement = b'"body":"looking into it"', b'"body":"all is well!!!"'
    if settings.store == "sqlite":
        with sqlite3.connect(sqlite_path(settings.stores(), "store")) as connection:
            rows = connection.execute("SELECT rowid, state FROM stored_events").fetchall()
            rowid, state = next((r, s) for r, s in rows if needle in s and case_id.encode() in s)
            connection.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?",
                (state.replace(needle, replacement), rowid),
            )
        return
    with connect_postgres(settings) as connection:
        table = "casebook_store_events"
        rows = connection.execute(
            f"SELECT originator_id, originator_version, state FROM {table}"
        ).fetchall()
        oid, version, state = next(
            r for r in rows if needle in bytes(r[2]) and case_id.encode() in bytes(r[2])
        )
        connection.execute(
            f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
            (bytes(state).replace(needle, replacement), oid, version),
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_digest_survives_new_events_and_catches_old_changes(settings_factory, backend):
    settings = settings_factory(backend, kafka=False)
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    store = open_case_store(settings.stores())
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    try:
        record(store, lines[:120], desk)
        digest = json.loads(json.dumps(take_digest(store)))  # as an auditor keeps it: a file
        assert verify_against_digest(store, digest) == []

        record(store, lines[120:], desk)  # new events arrive after the digest
        assert verify_against_digest(store, digest) == []

        tamper_one_event(settings, "C-7-000014")  # responded long before the digest
        problems = verify_against_digest(store, digest)
        assert any("C-7-000014" in problem for problem in problems)
    finally:
        store.close()


def test_an_edited_digest_file_is_caught(settings_factory):
    settings = settings_factory("sqlite", kafka=False)
    store = open_case_store(settings.stores())
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    try:
        record(store, SAMPLE.read_bytes().splitlines(keepends=True), desk)
        digest = take_digest(store)
        case_id = next(iter(digest["cases"]))
        digest["cases"][case_id]["version"] -= 1
        problems = verify_against_digest(store, digest)
        assert any("digest file was altered" in problem for problem in problems)
    finally:
        store.close()
