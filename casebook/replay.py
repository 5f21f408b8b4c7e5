"""Offline replay: a history file through the same desk and projections as the live engine.

No broker and no database: the desk's ports are dictionaries and the views live in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.desk import Accepted, IntakeDesk, Rejected
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import InvalidMessage, parse_message
from domain.policy import Policy
from domain.timefmt import END_OF_TIME, format_instant
from projections.audit import AuditView
from projections.rejections import RejectedList, RejectedMessage
from projections.sla import SlaView


@dataclass
class Replay:
    """The views a history produced, and the latest upstream instant seen."""

    sla: SlaView = field(default_factory=SlaView)
    audit: AuditView = field(default_factory=lambda: AuditView(keep_events=False))
    rejected: RejectedList = field(default_factory=RejectedList)
    latest_at: datetime | None = None
    lines: int = 0

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The contract's replay report; T defaults to the latest `at` of the valid messages."""
        instant = as_of or self.latest_at
        cutoff = instant or END_OF_TIME  # no valid message at all: nothing to cut off
        return {
            "as_of": format_instant(instant),
            "sla": self.sla.report(cutoff),
            "rejected": self.rejected.report(cutoff),
            "audit": self.audit.report(cutoff),
        }


def replay_history(
    lines: Iterable[bytes], policy: Policy, *, keep_audit_events: bool = False
) -> Replay:
    """Decide on every line in order; empty lines are not messages and are skipped.

    The report shows only severity changes, so by default the audit keeps nothing per event
    (memory grows with cases, not history); `keep_audit_events` keeps the full histories.
    """
    replay = Replay(audit=AuditView(keep_events=keep_audit_events))
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    for number, line in enumerate(lines, start=1):
        replay.lines = number
        raw = line.rstrip(b"\r\n")
        if not raw.strip():
            continue
        parsed = parse_message(raw)
        if not isinstance(parsed, InvalidMessage) and (
            replay.latest_at is None or parsed.at > replay.latest_at
        ):
            replay.latest_at = parsed.at
        outcome = desk.take(parsed)
        if isinstance(outcome, Accepted):
            for event in outcome.case.collect_events():
                replay.sla.apply(event)
                replay.audit.apply(event)
        elif isinstance(outcome, Rejected):
            replay.rejected.add(
                RejectedMessage(
                    reason=outcome.rejection.reason.value,
                    detail=outcome.rejection.detail,
                    message_id=outcome.message_id,
                    case_id=outcome.case_id,
                    at=outcome.at,
                    line=number,
                )
            )
    return replay
