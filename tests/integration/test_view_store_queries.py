"""The durable SLA view answers "as of T" like the replay does, and exports CSV and Parquet.

The view store is filled with the events of the sample history (no broker needed here: the
live path into these tables is proven in test_live_engine.py); SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from analysis.replay import replay_history
from analysis.sla_export import COLUMNS, INSTANT_COLUMNS
from casebook.cli import main
from casebook.policies import load_policy
from consumers.view_store import ViewStore
from domain.desk import Accepted, IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.timefmt import parse_instant
from projections.sla import sla_report

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


def fill_views(settings, policy=None) -> None:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy or load_policy())
    events = []
    for line in SAMPLE.read_bytes().splitlines():
        outcome = desk.take(parse_message(line))
        if isinstance(outcome, Accepted):
            events.extend(outcome.case.collect_events())
    views = ViewStore(settings.stores())
    try:
        assert views.apply_batch("casebook.events", 0, len(events) - 1, events, [])
    finally:
        views.close()


@pytest.fixture(params=["sqlite", "postgres"])
def filled_settings(request, settings_factory, monkeypatch):
    settings = settings_factory(request.param, kafka=False)
    fill_views(settings)
    for name, value in settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, dict):
            monkeypatch.setenv(f"CASEBOOK_{name.upper()}", str(value))
    monkeypatch.setenv("CASEBOOK_POSTGRES_PASSWORD", settings.postgres_password.get_secret_value())
    return settings


def test_time_travel_matches_the_replay_at_every_instant(filled_settings):
    replay = replay_history(SAMPLE.read_bytes().splitlines(), load_policy())
    end = replay.latest_at
    views = ViewStore(filled_settings.stores())
    try:
        rows = views.sla_rows()
    finally:
        views.close()
    for days_back in (0, 3, 10, 20, 30):
        instant = end - timedelta(days=days_back, hours=days_back)
        assert sla_report(rows, instant) == replay.report(instant)["sla"], instant


def test_sla_command_answers_as_of_from_the_store(filled_settings, capsys):
    as_of = "2026-09-14T06:00:00Z"
    assert main(["sla", "--as-of", as_of, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    replay = replay_history(SAMPLE.read_bytes().splitlines(), load_policy())
    assert shown == {"as_of": as_of, **replay.report(parse_instant(as_of))["sla"]}
    assert shown["total"]["pending"] > 0  # at that instant some cases were still running


def test_csv_and_parquet_exports_hold_one_row_per_case(filled_settings, tmp_path, capsys):
    as_of = "2026-10-04T15:46:07Z"
    assert (
        main(["sla", "--as-of", as_of, "--format", "csv", "--output", str(tmp_path / "sla.csv")])
        == 0
    )
    assert (
        main(
            [
                "sla",
                "--as-of",
                as_of,
                "--format",
                "parquet",
                "--output",
                str(tmp_path / "sla.parquet"),
            ]
        )
        == 0
    )
    with (tmp_path / "sla.csv").open(encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    parquet_rows = pq.read_table(tmp_path / "sla.parquet").to_pylist()
    expected = replay_history(SAMPLE.read_bytes().splitlines(), load_policy()).report(
        parse_instant(as_of)
    )
    assert [r["case_id"] for r in csv_rows] == [c["case_id"] for c in expected["sla"]["cases"]]
    assert [r["case_id"] for r in parquet_rows] == [c["case_id"] for c in expected["sla"]["cases"]]
    assert tuple(csv_rows[0]) == COLUMNS
    c14 = next(r for r in parquet_rows if r["case_id"] == "C-7-000014")
    assert c14["status"] == "met"
    assert c14["response_minutes"] == pytest.approx(
        (10 * 60 + 50) + 46 / 60, abs=0.01
    )  # 21:47:33 -> 08:38:19
    no_response = next(r for r in csv_rows if r["case_id"] == "C-7-000005")
    assert no_response["response_minutes"] == "" and no_response["status"] == "breached"
    assert c14["first_response_at"] == datetime(2026, 9, 2, 8, 38, 19, tzinfo=UTC)


def test_duckdb_filters_the_parquet_export_by_a_timestamptz(filled_settings, tmp_path):
    """The analyst's tool: instants are TIMESTAMPTZ columns, compared as instants."""
    output = tmp_path / "sla.parquet"
    assert main(["sla", "--format", "parquet", "--output", str(output)]) == 0
    cases = replay_history(SAMPLE.read_bytes().splitlines(), load_policy()).report()["sla"]["cases"]
    cutoff = "2026-09-15 12:00:00+02:00"
    expected = sorted(
        case["case_id"]
        for case in cases
        if parse_instant(case["opened_at"]) >= parse_instant("2026-09-15T10:00:00Z")
    )
    assert 0 < len(expected) < len(cases)
    connection = duckdb.connect()
    try:
        types = dict(
            connection.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                [str(output)],
            ).fetchall()
        )
        found = connection.execute(
            "SELECT case_id FROM read_parquet(?) WHERE opened_at >= ?::TIMESTAMPTZ"
            " ORDER BY case_id",
            [str(output), cutoff],
        ).fetchall()
        late = connection.execute(
            "SELECT count(*) FROM read_parquet(?) WHERE first_response_at > due_at",
            [str(output)],
        ).fetchone()
    finally:
        connection.close()
    assert {types[name] for name in INSTANT_COLUMNS} == {"TIMESTAMP WITH TIME ZONE"}
    assert [case_id for (case_id,) in found] == expected
    breached_late = [
        case
        for case in cases
        if case["first_response_at"] is not None
        and parse_instant(case["first_response_at"]) > parse_instant(case["due_at"])
    ]
    assert late == (len(breached_late),) and breached_late


def test_audited_messages_names_each_audit_row_of_the_cases_asked(filled_settings):
    views = ViewStore(filled_settings.stores())
    try:
        case_ids = views.case_ids()
        first, second = case_ids[0], case_ids[1]
        expected = {
            (case_id, entry.message_id)
            for case_id in (first, second)
            for entry in views.case_audit(case_id).events
        }
        assert views.audited_messages([first, second]) == expected
        assert views.audited_messages([first]) == {p for p in expected if p[0] == first}
        assert views.audited_messages(["no-such-case"]) == set()
    finally:
        views.close()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_audit_rows_keep_any_json_the_message_carried(store, settings_factory):
    """Extra fields travel into the audit rows as JSON text: orjson's, or the standard
    library's for what orjson refuses (integers beyond 64 bits)."""
    odd = {"x_big": 2**70, "x_text": "Grüße ✓", "x_nested": {"b": 1, "a": [2]}}
    opened = json.dumps(
        {
            "message_id": "m-1",
            "case_id": "C-odd",
            "type": "case.opened",
            "at": "2026-09-01T08:00:00Z",
            "actor": {"id": "cust-1", "role": "customer"},
            "customer": {"id": "cust-1", "tier": "enterprise"},
            "severity": 2,
            **odd,
        }
    ).encode()
    outcome = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy()).take(
        parse_message(opened)
    )
    assert isinstance(outcome, Accepted)
    events = outcome.case.collect_events()
    views = ViewStore(settings_factory(store, kafka=False).stores())
    try:
        assert views.apply_batch("casebook.events", 0, 0, events, [])
        audit = views.case_audit("C-odd")
    finally:
        views.close()
    assert audit is not None
    assert audit.events[0].extra == odd


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_views_written_before_sources_gain_the_column_and_read_no_source(settings_factory, backend):
    settings = settings_factory(backend, kafka=False)
    fill_views(settings)
    views = ViewStore(settings.stores())
    try:  # as views written before contract 1.2: no `source` column at all
        with views._transaction():
            views._execute("ALTER TABLE views_audit_events DROP COLUMN source")
    finally:
        views.close()
    views = ViewStore(settings.stores())
    try:
        case_id = views.case_ids()[0]
        audit = views.case_audit(case_id)
        assert audit is not None and audit.events
        assert all(entry.source is None for entry in audit.events)
        assert all("source" not in entry.to_report() for entry in audit.events)
        assert views._column_exists("views_audit_events", "source")
    finally:
        views.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_views_written_before_calendars_gain_warn_at_and_keep_their_rows(settings_factory, backend):
    settings = settings_factory(backend, kafka=False)
    fill_views(settings)
    views = ViewStore(settings.stores())
    try:
        before = views.sla_rows()
        with views._transaction():  # as views written before SLA v2: no `warn_at` column
            views._execute("ALTER TABLE views_sla_cases DROP COLUMN warn_at")
    finally:
        views.close()
    views = ViewStore(settings.stores())
    try:
        assert views._column_exists("views_sla_cases", "warn_at")
        after = views.sla_rows()
        assert after == before and all(row.warn_at is None for row in after)
        assert views.record_due_warnings(max(row.due_at for row in after))  # still warns
    finally:
        views.close()
