"""Offline replay: a history file through the same desk and projections as the live engine.

No broker and no database: here the desk's ports are dictionaries and the views live in
memory (the readable reference; `analysis.bounded_replay` runs the same loop on ports that
spill to a scratch file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.desk import Accepted, IntakeDesk, Rejected
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import BOM, InvalidMessage, failed_decision_message, parse_message
from domain.policy import Policy
from domain.timefmt import END_OF_TIME, format_instant
from projections.audit import AuditView
from projections.metrics import MetricsView
from projections.rejections import RejectedList
from projections.sla import SlaView

log = logging.getLogger(__name__)


@dataclass
class Replay:
    """The views a history produced, and the latest upstream instant seen."""

    sla: SlaView = field(default_factory=SlaView)
    audit: AuditView = field(default_factory=lambda: AuditView(keep_events=False))
    rejected: RejectedList = field(default_factory=RejectedList)
    latest_at: datetime | None = None
    lines: int = 0
    metrics: MetricsView | None = None
    """SLA v2's metrics, kept when the policy has `targets` (else the v1 report, unchanged)."""

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The contract's replay report; T defaults to the latest `at` of the valid messages.

        Without an asked-for T every rejection is listed, whatever its `at` (contract 1.1):
        the default T dates the SLA statuses only."""
        instant = as_of or self.latest_at
        cutoff = instant or END_OF_TIME  # no valid message at all: nothing to cut off
        sla = self.sla.report(cutoff)
        metrics = (
            {}
            if self.metrics is None
            else {"metrics": self.metrics.report([c["case_id"] for c in sla["cases"]], cutoff)}
        )
        return {
            "as_of": format_instant(instant),
            "sla": sla,
            **metrics,
            "rejected": self.rejected.report(as_of or END_OF_TIME),
            "audit": self.audit.report(cutoff),
        }


class RejectionSink(Protocol):
    """Where refused messages go, in input order: a list in memory, or a scratch file.

    Given the refusal's parts, not a `RejectedMessage`: a sink that stores them as they are
    need not build one per refusal (a history can refuse a third of its lines).
    """

    def refuse(
        self,
        reason: str,
        detail: str,
        message_id: str | None,
        case_id: str | None,
        at: datetime | None,
        line: int,
    ) -> None: ...


@dataclass
class Intake:
    """What one pass over a history counted."""

    lines: int = 0
    latest_at: datetime | None = None
    events: int = 0


def replay_history(
    lines: Iterable[bytes],
    policy: Policy,
    *,
    keep_audit_events: bool = False,
    sealed: bool = True,
) -> Replay:
    """Decide on every line in order, with every case and view in memory.

    The report shows only severity changes, so by default the audit keeps nothing per event
    (memory grows with cases, not history); `keep_audit_events` keeps the full histories.
    `analysis.bounded_replay` gives the same report in bounded memory. `sealed=False` opens
    the cases unsealed (`IntakeDesk`): same decisions and views, no hash chain computed.
    """
    replay = Replay(
        audit=AuditView(keep_events=keep_audit_events),
        metrics=MetricsView(policy) if policy.targets else None,
    )
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy, sealed=sealed)
    intake = take_history(lines, desk, replay.sla, replay.audit, replay.rejected, replay.metrics)
    replay.lines, replay.latest_at = intake.lines, intake.latest_at
    return replay


def take_history(
    lines: Iterable[bytes],
    desk: IntakeDesk,
    sla: SlaView,
    audit: AuditView,
    rejected: RejectionSink,
    metrics: MetricsView | None = None,
) -> Intake:
    """The one replay loop: each line through the desk, its events into the views.

    Lines of only spaces, tabs and CR are not messages and are skipped (but counted, so line
    numbers stay true); a UTF-8 BOM at the start of a line is ignored (`parse_message`).
    The default T is the latest `at` of the valid messages, duplicates not counted.
    """
    latest_at: datetime | None = None
    number = events_taken = 0
    take, apply_audit = desk.take, audit.apply  # looked up once
    apply_sla: Callable[[Any], None] = sla.apply
    if metrics is not None:  # SLA v2: one more view (a v1 policy's loop stays as it was)
        apply_sla = _both(sla.apply, metrics.apply)
    for number, line in enumerate(lines, start=1):
        raw = line.rstrip(b"\r\n")
        if not raw.strip(b" \t\r") or raw == BOM:
            continue
        try:
            parsed = parse_message(raw)
            outcome = take(parsed)
        except Exception as error:  # the last line of defence: one line never stops a replay
            parsed, outcome = _failed(raw, error)
            desk.abandon(outcome.case_id)
        if isinstance(outcome, Accepted):
            events = outcome.case.collect_events()
            events_taken += len(events)
            for event in events:
                apply_sla(event)
                apply_audit(event)
        elif isinstance(outcome, Rejected):
            rejection = outcome.rejection
            rejected.refuse(
                rejection.reason.value,
                rejection.detail,
                outcome.message_id,
                outcome.case_id,
                outcome.at,
                number,
            )
        else:
            continue  # a duplicate has no second effect, not even on the default T
        if not isinstance(parsed, InvalidMessage) and (latest_at is None or parsed.at > latest_at):
            latest_at = parsed.at
    return Intake(lines=number, latest_at=latest_at, events=events_taken)


def _both(first: Callable[[Any], None], second: Callable[[Any], None]) -> Callable[[Any], None]:
    def apply(event: Any) -> None:
        first(event)
        second(event)

    return apply


def _failed(raw: bytes, error: Exception) -> tuple[InvalidMessage, Rejected]:
    """A line whose decision raised, refused `decision_failed` with its readable identity."""
    log.error("deciding on a line raised %s: %s", type(error).__name__, error, exc_info=error)
    invalid = failed_decision_message(raw, error)
    return invalid, Rejected(invalid.rejection, invalid.message_id, invalid.case_id, invalid.at)
