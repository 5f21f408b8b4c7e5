"""SLA v2 warnings from the durable views: the scan records exactly the pure rule's warnings
(each once), on SQLite and PostgreSQL; tables of earlier versions are rebuilt keeping their
rows; the warnings relay publishes them with their metric and item; and the live engine on
Kafka publishes them for a business-hours history."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from casebook.settings import Settings
from consumers.view_store import ViewStore
from consumers.warnings import WarningsOutbox
from projections.metric_warnings import metric_warnings
from tests.business_support import EXAMPLE, decided_events, fill_views
from tests.integration.engine_support import publish, read_topic, run_until_idle, write_history
from tests.integration.test_business_hours_live import LINES, POLICY


def filled(settings: Settings) -> ViewStore:
    fill_views(settings, LINES)
    return ViewStore(settings.stores())


def expected(views: ViewStore, now: datetime) -> set[tuple[str, str, str, int, datetime]]:
    found = set()
    for timeline in views.metric_timelines().values():
        calendar = POLICY.pinned_calendar(timeline.calendar_id, timeline.calendar_hash)
        for w in metric_warnings(timeline, calendar, POLICY, now):
            found.add((w.case_id, w.metric, w.item, w.level, w.at))
    return found


def recorded(views: ViewStore) -> set[tuple[str, str, str, int, datetime]]:
    return {
        (w.case_id, w.metric, w.item, w.level, w.at)  # type: ignore[union-attr]
        for _, w in views.warnings_after(0, 1_000_000)
        if hasattr(w, "metric")
    }


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_scans_record_exactly_the_rules_warnings_once(store, settings_factory) -> None:
    """As live: the events of each day are applied, then the views are scanned; each scan
    reads only the cases a batch touched or whose next check has come."""
    events = decided_events(LINES)
    views = ViewStore(settings_factory(store, kafka=False).stores())
    views.track_metric_checks = True
    try:
        start, offset = min(e.timestamp for e in events), -1
        for step in range(1, 31):
            now = start + timedelta(days=step)
            batch = [e for e in events if now - timedelta(days=1) < e.timestamp <= now]
            if step == 1:
                batch = [e for e in events if e.timestamp <= now]
            if batch:
                offset += len(batch)
                assert views.apply_batch("casebook.events", 0, offset, batch, [])
            views.record_metric_warnings(now, POLICY)
            assert recorded(views) == expected(views, now), now
        assert recorded(views)
        assert not views.record_metric_warnings(now, POLICY)  # nothing twice
        kinds = {w[1] for w in recorded(views)}
        assert kinds == {"next_response", "resolution"}
        checked = views._execute("SELECT COUNT(*) FROM views_metric_checks").fetchone()[0]
        assert checked < len({e.case_id for e in events})  # ended or waited-on cases left out
    finally:
        views.close()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_warnings_table_of_an_earlier_version_is_rebuilt_keeping_its_rows(
    store, settings_factory
) -> None:
    settings = settings_factory(store, kafka=False)
    views = filled(settings)
    try:
        views.record_due_warnings(datetime(2027, 1, 1, tzinfo=UTC))
        before = [(seq, w.to_wire()) for seq, w in views.warnings_after(0, 1_000_000)]
        assert before
        with views._transaction():  # as earlier versions made it: one warning per (case, level)
            views._execute("DROP TABLE warnings_emitted")
            seq = (
                "seq BIGSERIAL PRIMARY KEY"
                if store == "postgres"
                else ("seq INTEGER PRIMARY KEY AUTOINCREMENT")
            )
            views._execute(
                f"CREATE TABLE warnings_emitted ({seq}, case_id TEXT NOT NULL, level INTEGER"
                " NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, due_at TEXT NOT NULL,"
                " customer_id TEXT NOT NULL, sla_severity INTEGER NOT NULL,"
                " UNIQUE (case_id, level))"
            )
            for _, wire in before:
                views._execute(
                    "INSERT INTO warnings_emitted (case_id, level, kind, at, due_at,"
                    " customer_id, sla_severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        wire["case_id"],
                        wire["level"],
                        wire["kind"],
                        wire["at"],
                        wire["due_at"],
                        wire["customer_id"],
                        wire["sla_severity"],
                    ),
                )
        old_seqs = [
            row[0] for row in views._execute("SELECT seq FROM warnings_emitted ORDER BY seq")
        ]
    finally:
        views.close()
    views = ViewStore(settings.stores())
    try:
        assert views._column_exists("warnings_emitted", "metric")
        kept = views.warnings_after(0, 1_000_000)
        assert [seq for seq, _ in kept] == old_seqs
        assert [w.to_wire() for _, w in kept] == [wire for _, wire in before]
        assert not views.record_due_warnings(datetime(2027, 1, 1, tzinfo=UTC))  # none twice
        assert views.record_metric_warnings(datetime(2027, 1, 1, tzinfo=UTC), POLICY)
        assert views.last_warning_seq() > old_seqs[-1]
    finally:
        views.close()


def test_the_relay_publishes_a_metric_warning_with_its_item(settings_factory) -> None:
    views = filled(settings_factory("sqlite", kafka=False))
    try:
        views.record_metric_warnings(datetime(2027, 1, 1, tzinfo=UTC), POLICY)
        records, _ = WarningsOutbox(views, "warnings").fetch(0, 1_000_000)
    finally:
        views.close()
    documents = [(json.loads(record.value), dict(record.headers)) for _, record in records]
    cycles = [(d, h) for d, h in documents if d["metric"] == "next_response"]
    assert cycles and {d["metric"] for d, _ in documents} == {"next_response", "resolution"}
    document, headers = cycles[0]
    assert set(document) == {
        "schema",
        "case_id",
        "customer_id",
        "metric",
        "current_severity",
        "level",
        "kind",
        "at",
        "cycle_started_at",
    }
    assert headers["casebook.warning_id"].decode().count("|") == 3


def test_the_live_engine_publishes_the_metric_warnings(
    settings_factory: Callable[..., Settings], tmp_path
) -> None:
    settings = settings_factory("sqlite", partitions=3, policy_file=EXAMPLE)
    history = tmp_path / "business.jsonl"
    write_history(history, LINES)
    assert publish(settings, history) == len(LINES)
    run_until_idle(settings)
    published = {
        (d["case_id"], d["metric"], d.get("cycle_started_at"), d["level"], d["at"])
        for d in (
            json.loads(r.value)
            for r in read_topic(settings, settings.kafka().topic("casebook.sla.warnings"))
        )
        if "metric" in d
    }
    views = ViewStore(settings.stores())
    try:
        want = {
            (case_id, metric, _second(item), level, _text(at))
            for case_id, metric, item, level, at in expected(views, datetime.now(UTC))
        }
    finally:
        views.close()
    assert published == want and published


def _second(item: str) -> str | None:
    return None if not item else _text(datetime.fromisoformat(item))


def _text(instant: datetime) -> str:
    from domain.timefmt import format_instant

    return str(format_instant(instant))
