"""Schema evolution: events stored by v1 code, read by v2 code through its upcaster.

Versions 2 and 3 of `Case.Opened` added `response_clock` and the pinned calendar (SLA v2);
contract 1.2 added `source` to every event;
wire v2 added `wire_version` (events sealed before it were hashed over the v1 form, `+00:00`
instants). Events stored the way earlier code stored them (no such fields, no class_version)
must give the same verdicts, the same audit, the same published form and the same hashes
when today's code reads them: on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from analysis.replay import replay_history
from casebook.policies import load_policy
from consumers.event_store import open_case_store, sqlite_path
from domain.desk import Accepted, IntakeDesk
from domain.event_codec import event_from_wire
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from evidence.export import export_events
from evidence.verify import verify_export
from projections.audit import AuditView
from projections.sla import SlaView
from tests.integration.engine_support import connect_postgres

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


def sealed_as_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record events as code before wire v2 did: sealed over the `+00:00` form."""
    monkeypatch.setattr("domain.opening.CURRENT_WIRE_VERSION", 1)
    monkeypatch.setattr("domain.sealed_aggregate.CURRENT_WIRE_VERSION", 1)


def as_stored_by_v1(topic: str, state: bytes) -> bytes:
    document = json.loads(state)
    assert "source" in document and document.pop("source") is None  # before contract 1.2
    assert document.pop("wire_version") == 1  # sealed over the v1 form, before wire v2
    if topic == "casebook:Case.Opened":
        assert document.pop("class_version") == 3
        assert document.pop("response_clock") == "calendar"
        for pin in ("calendar_id", "calendar_hash", "tzdata_version"):  # SLA v2 (class v3)
            assert document.pop(pin) is None
    return json.dumps(document).encode()


def downgrade_events(settings) -> int:
    """Rewrite every stored event into the shape v1 code wrote; the Opened events' count."""
    if settings.store == "sqlite":
        with sqlite3.connect(sqlite_path(settings.stores(), "store")) as connection:
            rows = connection.execute("SELECT rowid, topic, state FROM stored_events").fetchall()
            for rowid, topic, state in rows:
                connection.execute(
                    "UPDATE stored_events SET state = ? WHERE rowid = ?",
                    (as_stored_by_v1(topic, state), rowid),
                )
        return sum(topic == "casebook:Case.Opened" for _, topic, _ in rows)
    with connect_postgres(settings) as connection:
        table = "casebook_store_events"
        rows = connection.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {table}"
        ).fetchall()
        for oid, version, topic, state in rows:
            connection.execute(
                f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
                (as_stored_by_v1(topic, bytes(state)), oid, version),
            )
        return sum(topic == "casebook:Case.Opened" for _, _, topic, _ in rows)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_v1_events_read_by_v2_code_give_the_same_verdicts_and_hashes(
    settings_factory, backend, monkeypatch
):
    settings = settings_factory(backend, kafka=False)
    sealed_as_v1(monkeypatch)
    lines = SAMPLE.read_bytes().splitlines()
    store = open_case_store(settings.stores())
    try:
        desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
        for line in lines:
            outcome = desk.take(parse_message(line))
            if isinstance(outcome, Accepted):
                store.save(outcome.case)
        before = [json.dumps(d, sort_keys=True) for d in export_events(store)]
        assert downgrade_events(settings) == 39
        after = [json.dumps(d, sort_keys=True) for d in export_events(store)]
    finally:
        store.close()

    assert after == before  # the upcaster restores exactly what v1 recorded, hashes included
    assert {json.loads(line)["schema"] for line in after} == {"casebook.event/v1"}
    assert all(json.loads(line)["at"].endswith("+00:00") for line in after)
    assert verify_export(after).ok
    sla, audit = SlaView(), AuditView()
    for line in after:
        event = event_from_wire(json.loads(line))
        sla.apply(event)
        audit.apply(event)
    expected = replay_history(lines, load_policy())
    assert sla.report(expected.latest_at) == expected.report()["sla"]
    assert audit.report(expected.latest_at) == expected.report()["audit"]
