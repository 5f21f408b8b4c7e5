"""The warnings scan visits only cases whose check time has come, and misses nothing.

The oracle is the pure rule: after a scan at T, the recorded warnings are exactly what
`due_warnings` gives at T for every case of the SLA view. The views hold the sample
history's cases (SQLite and PostgreSQL); pages of two cases make every scan page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

import consumers.warning_checks as warning_checks
from casebook.policies import load_policy
from consumers.view_rows import micros as _micros
from consumers.view_store import ViewStore
from projections.warnings import due_warnings, threshold_instant
from tests.integration.test_view_store_queries import fill_views
from tests.unit.test_policy_calendars import EXAMPLE


@pytest.fixture(params=["sqlite", "postgres"])
def views(request, settings_factory, monkeypatch):
    monkeypatch.setattr(warning_checks, "WARNING_SCAN_PAGE", 2)
    settings = settings_factory(request.param, kafka=False)
    fill_views(settings)
    store = ViewStore(settings.stores())
    store.settings = settings  # for reopening
    yield store
    store.close()


def recorded(views: ViewStore) -> set[tuple[str, int, str]]:
    return {(w.case_id, w.level, w.kind) for _, w in views.warnings_after(0, 1_000_000)}


def expected(views: ViewStore, now) -> set[tuple[str, int, str]]:
    return {
        (w.case_id, w.level, w.kind) for row in views.sla_rows() for w in due_warnings(row, now)
    }


def checks(views: ViewStore) -> dict[str, int]:
    return dict(views._execute("SELECT case_id, check_at FROM views_warning_checks").fetchall())


def test_scans_at_successive_instants_record_exactly_what_is_due(views):
    rows = views.sla_rows()
    start = min(row.opened_at for row in rows)
    end = max(row.due_at for row in rows) + timedelta(hours=1)
    instants = [start + (end - start) * step / 40 for step in range(41)]
    total = 0
    for now in instants:
        total += sum(views.record_due_warnings(now).values())
        assert recorded(views) == expected(views, now), now
    assert total == len(recorded(views)) > 0
    assert not views.record_due_warnings(end)  # nothing twice


def test_after_a_scan_no_case_is_left_due_and_answered_cases_are_not_watched(views):
    rows = {row.case_id: row for row in views.sla_rows()}
    now = min(row.due_at for row in rows.values())
    views.record_due_warnings(now)
    left = checks(views)
    # Every case still watched is next looked at after now (a breach exactly at now waits).
    assert all(check_at >= _micros(now) for check_at in left.values())
    # Cases answered before half time can never warn: nothing keeps them watched.
    answered_early = {
        case_id
        for case_id, row in rows.items()
        if row.first_response_at is not None
        and row.first_response_at <= row.opened_at + (row.due_at - row.opened_at) / 2
    }
    assert answered_early and not answered_early & left.keys()


def test_views_from_before_the_checks_get_every_case_looked_at_once(views):
    views._execute("DROP TABLE views_warning_checks")
    reopened = ViewStore(views.settings.stores())
    try:
        assert set(checks(reopened)) == {row.case_id for row in reopened.sla_rows()}
        now = max(row.due_at for row in reopened.sla_rows()) + timedelta(hours=1)
        reopened.record_due_warnings(now)
        assert recorded(reopened) == expected(reopened, now)
    finally:
        reopened.close()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_business_hours_cases_warn_at_their_business_time_thresholds(store, settings_factory):
    """SLA v2: the sample decided under the business-hours example; the views keep each
    case's business-time thresholds, and the scans warn exactly at them."""
    settings = settings_factory(store, kafka=False)
    fill_views(settings, load_policy(EXAMPLE))
    views = ViewStore(settings.stores())
    try:
        rows = views.sla_rows()
        business = [row for row in rows if row.warn_at is not None]
        assert business and len(business) < len(rows)  # severity 1 stays on the 24/7 clock
        shifted = [
            row
            for row in business
            if row.warn_at[0] != row.opened_at + (row.due_at - row.opened_at) / 2
        ]
        assert shifted  # a closed night or weekend moves the half-time instant
        start = min(row.opened_at for row in rows)
        end = max(row.due_at for row in rows) + timedelta(hours=1)
        for step in range(41):
            now = start + (end - start) * step / 40
            views.record_due_warnings(now)
            assert recorded(views) == expected(views, now), now
        dated = {(w.case_id, w.level): w.at for _, w in views.warnings_after(0, 1_000_000)}
        for row in shifted:
            if (row.case_id, 1) in dated:
                assert dated[(row.case_id, 1)] == threshold_instant(row, 0.5) == row.warn_at[0]
    finally:
        views.close()
