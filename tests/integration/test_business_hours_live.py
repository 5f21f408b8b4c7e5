"""SLA v2 live: the engine and the durable views give the replay's `sla` and `metrics`
sections, as of any T, for a business-hours history (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from analysis.replay import replay_history
from casebook.settings import Settings
from domain.timefmt import format_instant
from tests.business_support import EXAMPLE, EXAMPLE_POLICY, fill_views
from tests.integration.engine_support import publish, run_until_idle, write_history
from tests.integration.test_live_engine import read_json
from tooling.histories.business import business_history

LINES = business_history(120)
POLICY = EXAMPLE_POLICY


def expected_at(as_of):
    report = replay_history(LINES, POLICY).report(as_of)
    return {"as_of": report["as_of"], **report["sla"], "metrics": report["metrics"]}


def test_the_history_exercises_every_metric() -> None:
    report = replay_history(LINES, POLICY).report()
    types = {line.split(b'"type": "')[1].split(b'"')[0] for line in LINES}
    assert {b"case.customer_replied", b"case.awaiting_customer", b"case.reopened"} <= types
    next_total = report["metrics"]["next_response"]["total"]
    resolution_total = report["metrics"]["resolution"]["total"]
    assert next_total["met"] and next_total["breached"] and next_total["void"]
    assert resolution_total["met"] and resolution_total["paused"] + resolution_total["pending"]
    assert any(case["paused_minutes"] > 0 for case in report["metrics"]["resolution"]["cases"])


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_views_give_the_replays_metrics_at_every_instant(
    store: str, settings_factory: Callable[..., Settings]
) -> None:
    settings = settings_factory(store, kafka=False, policy_file=EXAMPLE)
    fill_views(settings, LINES)
    latest = replay_history(LINES, POLICY).latest_at
    assert latest is not None
    for days in (20, 14, 9, 5, 2, 0):
        as_of = latest - timedelta(days=days)
        shown = read_json(settings, "sla", "--as-of", str(format_instant(as_of)))
        assert shown == expected_at(as_of), days


def test_the_live_engine_gives_the_replays_metrics(
    settings_factory: Callable[..., Settings], tmp_path
) -> None:
    settings = settings_factory("sqlite", partitions=3, policy_file=EXAMPLE)
    history = tmp_path / "business.jsonl"
    write_history(history, LINES)
    assert publish(settings, history) == len(LINES)
    run_until_idle(settings)
    expected = expected_at(None)
    assert read_json(settings, "sla", "--as-of", expected["as_of"]) == expected


def test_the_exports_carry_the_metrics(settings_factory, tmp_path) -> None:
    import csv

    import duckdb

    from casebook.cli import main
    from tests.integration.engine_support import settings_env
    from tests.integration.test_live_engine import environment

    settings = settings_factory("sqlite", kafka=False, policy_file=EXAMPLE)
    fill_views(settings, LINES)
    expected = expected_at(None)
    with environment(settings_env(settings)):
        for fmt in ("csv", "parquet"):
            output = tmp_path / f"sla.{fmt}"
            assert (
                main(
                    ["sla", "--as-of", expected["as_of"], "--format", fmt, "--output", str(output)]
                )
                == 0
            )
    with (tmp_path / "sla.csv").open(encoding="utf-8") as handle:
        rows = {row["case_id"]: row for row in csv.DictReader(handle)}
    clocks = {c["case_id"]: c for c in expected["metrics"]["resolution"]["cases"]}
    replies = {c["case_id"]: c for c in expected["metrics"]["next_response"]["cases"]}
    for case_id, row in rows.items():
        assert row["resolution_status"] == clocks[case_id]["status"]
        assert float(row["business_minutes"]) == clocks[case_id]["business_minutes"]
        assert row["next_response_status"] == replies[case_id]["status"]
        assert int(row["next_response_cycles"]) == len(replies[case_id]["cycles"])
    connection = duckdb.connect()
    try:
        paused = connection.execute(
            "SELECT count(*) FROM read_parquet(?) WHERE resolution_status = 'paused'"
            " AND resolution_due_at IS NULL",
            [str(tmp_path / "sla.parquet")],
        ).fetchone()
        kind = connection.execute(
            "SELECT typeof(resolved_at) FROM read_parquet(?) LIMIT 1",
            [str(tmp_path / "sla.parquet")],
        ).fetchone()
    finally:
        connection.close()
    assert paused == (sum(c["status"] == "paused" for c in clocks.values()),)
    assert kind == ("TIMESTAMP WITH TIME ZONE",)
