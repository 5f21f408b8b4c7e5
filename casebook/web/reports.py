"""What the API answers, read from the durable views and the event store.

Plain functions over a `ViewStore` (or the settings, for the event store), returning
JSON-ready dictionaries in the contract's shapes; the HTTP layer only adds auth and errors.
Lists come a page at a time (`limit`, and an opaque `next` cursor to ask for the rest), so
no answer grows with the history; the counts beside a page are always over every case.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from casebook.settings import Settings
from casebook.web.cursors import decode_cursor, encode_cursor
from consumers.event_store import open_case_store
from consumers.view_queries import RejectedKey
from consumers.view_store import ViewStore
from domain.policy import Policy
from domain.timefmt import END_OF_TIME, format_instant
from evidence.export import verify_stored_case
from projections.metrics import metrics_section
from projections.sla import SlaCase, SlaTally
from projections.sla_timeline import timeline_points

PAGE_DEFAULT = 100
PAGE_MAXIMUM = 1000


def sla(
    views: ViewStore,
    as_of: datetime,
    *,
    limit: int = PAGE_DEFAULT,
    after: tuple[datetime, str] | None = None,
    statuses: Collection[str] = (),
    policy: Policy | None = None,
) -> dict[str, Any]:
    """The contract's `sla` section as of `as_of`: counts over every case, one page of cases.

    The page holds the cases (of the given statuses, all when none) in the report's order,
    opening time then case id, after the position `after` (`sla_position` of a cursor).
    """
    visible = sorted((row for row in views.sla_rows() if row.opened_at <= as_of), key=_sla_order)
    tally = SlaTally()
    page: list[SlaCase] = []
    more = False
    for row in visible:
        status = tally.count(row, as_of)
        if (statuses and status not in statuses) or (
            after is not None and _sla_order(row) <= after
        ):
            continue
        if len(page) < limit:
            page.append(row)
        else:
            more = True
    cursor = encode_cursor("sla", [*_sla_cursor(page[-1])]) if more else None
    answer = {
        "as_of": format_instant(as_of),
        "cases": [row.to_report(as_of) for row in page],
        "by_severity": tally.by_severity(),
        "total": tally.total(),
        "page": {"limit": limit, "next": cursor},
    }
    if policy is not None and policy.targets:
        answer["metrics"] = _metrics(views, policy, visible, page, as_of)
    return answer


def _metrics(
    views: ViewStore, policy: Policy, visible: list[SlaCase], page: list[SlaCase], as_of: datetime
) -> dict[str, Any]:
    """SLA v2's section: counted over every visible case, listing the page's cases."""
    timelines = views.metric_timelines()
    section = metrics_section([timelines[row.case_id] for row in visible], as_of, policy)
    listed = {row.case_id for row in page}
    for metric in section.values():
        metric["cases"] = [case for case in metric["cases"] if case["case_id"] in listed]
    return section


def sla_timeline(views: ViewStore, end: datetime, days: int) -> dict[str, Any]:
    """Compliance at `days` daily instants ending at `end` (oldest first).

    Each point is the SLA report as of that instant, so a case breached later counts as
    pending on the days before its due time: the curve is what one would have seen then.
    One pass over the rows (`projections.sla_timeline`), whatever `days` is.
    """
    instants = [end - timedelta(days=back) for back in range(days - 1, -1, -1)]
    points = timeline_points(views.sla_rows(), instants)
    return {
        "end": format_instant(end),
        "days": days,
        "points": [
            {"as_of": format_instant(instant), **point}
            for instant, point in zip(instants, points, strict=True)
        ],
    }


def case_audit(
    views: ViewStore, settings: Settings, case_id: str, as_of: datetime | None
) -> dict[str, Any] | None:
    """A case's full history, severity changes, SLA row and chain verification; None if unknown."""
    audit = views.case_audit(case_id)
    if audit is None:
        return None
    instant = as_of or END_OF_TIME
    entry = audit.to_report(instant, with_events=True)
    row = views.sla_row(case_id)
    return {
        "case_id": case_id,
        "as_of": format_instant(as_of),
        **entry,
        "sla": row.to_report(instant) if row is not None and row.opened_at <= instant else None,
        "verification": verify_case(settings, case_id),
    }


def verify_case(settings: Settings, case_id: str) -> dict[str, Any]:
    """The same check `casebook audit CASE` makes (`evidence.export.verify_stored_case`)."""
    store = open_case_store(settings.stores())
    try:
        return verify_stored_case(store, case_id)
    finally:
        store.close()


def rejected(
    views: ViewStore, *, limit: int = PAGE_DEFAULT, after: RejectedKey | None = None
) -> dict[str, Any]:
    """Rejected messages with their reason and detail, in arrival order, a page at a time."""
    keyed = views.rejected_page(after, limit + 1)
    page = keyed[:limit]
    entries = [
        {**entry.to_report(), "detail": entry.detail, "at": format_instant(entry.at)}
        for _key, entry in page
    ]
    cursor = encode_cursor("rejected", [*page[-1][0]]) if len(keyed) > limit else None
    return {
        "count": views.rejected_count(),
        "rejected": entries,
        "page": {"limit": limit, "next": cursor},
    }


def _sla_order(row: SlaCase) -> tuple[datetime, str]:
    return (row.opened_at, row.case_id)


def _sla_cursor(row: SlaCase) -> tuple[str, str]:
    return (row.opened_at.isoformat(), row.case_id)


def rejected_position(cursor: str) -> RejectedKey:
    """Where a `rejected` cursor points; ValueError if it is not one."""
    part, offset, source = decode_cursor("rejected", cursor, (int, int, str))
    return (part, offset, source)


def sla_position(cursor: str) -> tuple[datetime, str]:
    """Where an `sla` cursor points; ValueError if it is not one."""
    opened, case_id = decode_cursor("sla", cursor, (str, str))
    try:
        instant = datetime.fromisoformat(opened)
    except ValueError:
        raise ValueError("not a cursor of this list") from None
    if instant.tzinfo is None:
        raise ValueError("not a cursor of this list")
    return (instant, case_id)
