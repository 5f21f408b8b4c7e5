"""A case's opening, decided: the tier it is served under, the severity after the policy's
cap, the first-response target and its due instant. A pure function of the message and the
policy, which the `Case` aggregate records as its `Opened` event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.calendar_policy import ALWAYS_CALENDAR
from domain.calendars import Calendar
from domain.case_state import case_aggregate_id, message_cause
from domain.chain import GENESIS_HASH, UNSEALED
from domain.event_wire import CURRENT_WIRE_VERSION
from domain.messages import CaseOpened
from domain.policy import Policy
from domain.zones import TZDATA_VERSION


def opened_fields(
    message: CaseOpened, policy: Policy, *, topic: str, version: int, sealed: bool
) -> dict[str, Any]:
    """The `Opened` event's fields, in the order the event stores them (so they need no
    rearranging). `topic` and `version` are the aggregate's own (`Case.TOPIC`, its
    initial version); an unsealed case's chain starts `UNSEALED`."""
    cap = policy.cap_for(message.technologies)
    severity = max(message.severity, cap.level) if cap else message.severity
    cause = message_cause(message)
    return {
        "originator_id": case_aggregate_id(message.case_id),
        "originator_version": version,
        "timestamp": cause["timestamp"],  # first, so `**cause` keeps it here
        "originator_topic": topic,
        **cause,
        "previous_hash": GENESIS_HASH if sealed else UNSEALED,
        "hash": UNSEALED,
        "source": message.signed_by,
        "wire_version": CURRENT_WIRE_VERSION,
        "customer_id": message.customer.id,
        "tier": message.customer.tier,
        "requested_severity": message.severity,
        "severity": severity,
        "cap_level": cap.level if cap else None,
        "cap_reason": cap.reason if cap and severity != message.severity else None,
        "technologies": list(message.technologies),
        "subject": message.subject,
        "business_impact": message.business_impact,
        "policy_id": policy.id,
        "policy_version": policy.version,
        "policy_hash": policy.content_hash,
        **_first_response(message, policy, severity, cause["timestamp"]),
    }


def _first_response(
    message: CaseOpened, policy: Policy, severity: int, at: datetime
) -> dict[str, Any]:
    """The first-response target and due instant; under a policy with calendars (SLA v2) in
    the case's business time, its calendar pinned by id, content hash and zone rules."""
    if not policy.has_calendars:
        target = policy.first_response_target(severity)
        return {
            "first_response_minutes": int(target.total_seconds() // 60),
            "due_at": at + target,
            "response_clock": "calendar",
            **_NO_PINS,
        }
    calendar = policy.calendar_for(message.customer.tier, message.customer.id)
    minutes, clock = policy.first_response(severity, calendar)
    target = timedelta(minutes=minutes)
    due = clock.due(at, target)
    business = clock is not ALWAYS_CALENDAR
    return {
        "first_response_minutes": minutes,
        "due_at": NEVER_DUE if due is None else due,
        "response_clock": "business" if business else "calendar",
        "calendar_id": calendar.id,
        "calendar_hash": calendar.content_hash,
        "tzdata_version": TZDATA_VERSION,
        # On the 24/7 clock a share of the time to `due_at` is a share of the target.
        "half_time_at": _threshold(clock, at, target / 2) if business else None,
        "three_quarter_time_at": _threshold(clock, at, target * 3 / 4) if business else None,
    }


def _threshold(clock: Calendar, at: datetime, share: timedelta) -> datetime:
    instant = clock.due(at, share)
    return NEVER_DUE if instant is None else instant


_NO_PINS: dict[str, None] = {
    "calendar_id": None,
    "calendar_hash": None,
    "tzdata_version": None,
    "half_time_at": None,
    "three_quarter_time_at": None,
}
NEVER_DUE = datetime.max.replace(tzinfo=UTC)
"""A due instant past 9000-01-01 ("never": reports print null, nothing is breached)."""
