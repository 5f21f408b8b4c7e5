"""What the API answers, read from the durable views and the event store.

Plain functions over a `ViewStore` (or the settings, for the event store), returning
JSON-ready dictionaries in the contract's shapes; the HTTP layer only adds auth and errors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from casebook.evidence import verify_stored_case
from casebook.settings import Settings
from consumers.view_store import ViewStore
from domain.timefmt import END_OF_TIME, format_instant
from projections.sla import SEVERITY_LEVELS, sla_report


def sla(views: ViewStore, as_of: datetime) -> dict[str, Any]:
    """The contract's `sla` section as of `as_of`, with the instant it answers for."""
    return {"as_of": format_instant(as_of), **sla_report(views.sla_rows(), as_of)}


def sla_timeline(views: ViewStore, end: datetime, days: int) -> dict[str, Any]:
    """Compliance at `days` daily instants ending at `end` (oldest first).

    Each point is the SLA report as of that instant, so a case breached later counts as
    pending on the days before its due time: the curve is what one would have seen then.
    """
    rows = views.sla_rows()
    points = []
    for back in range(days - 1, -1, -1):
        instant = end - timedelta(days=back)
        report = sla_report(rows, instant)
        points.append(
            {
                "as_of": format_instant(instant),
                "total": report["total"],
                "by_severity": {
                    str(level): report["by_severity"][str(level)]["compliance"]
                    for level in SEVERITY_LEVELS
                },
            }
        )
    return {"end": format_instant(end), "days": days, "points": points}


def case_audit(
    views: ViewStore, settings: Settings, case_id: str, as_of: datetime | None
) -> dict[str, Any] | None:
    """A case's full history, severity changes, SLA row and chain verification; None if unknown."""
    audit = views.case_audit(case_id)
    if audit is None:
        return None
    instant = as_of or END_OF_TIME
    entry = audit.to_report(instant, with_events=True)
    row = next((r for r in views.sla_rows() if r.case_id == case_id), None)
    return {
        "case_id": case_id,
        "as_of": format_instant(as_of),
        **entry,
        "sla": row.to_report(instant) if row is not None and row.opened_at <= instant else None,
        "verification": verify_case(settings, case_id),
    }


def verify_case(settings: Settings, case_id: str) -> dict[str, Any]:
    """The same check `casebook audit CASE` makes (`casebook.evidence.verify_stored_case`)."""
    return verify_stored_case(settings, case_id)


def rejected(views: ViewStore) -> dict[str, Any]:
    """Every rejected message with its reason and detail, in arrival order."""
    entries = [
        {**entry.to_report(), "detail": entry.detail, "at": format_instant(entry.at)}
        for entry in views.rejected()
    ]
    return {"count": len(entries), "rejected": entries}
