"""SLA v2 test material: the shipped business-hours example and a seeded history for it,
decided into events (and into views) the way the engine decides them."""

from __future__ import annotations

from collections.abc import Iterable

from casebook.policies import BUSINESS_HOURS_EXAMPLE, load_policy
from casebook.settings import Settings
from consumers.view_store import ViewStore
from domain.case import Case
from domain.desk import Accepted, IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.policy import Policy

EXAMPLE = BUSINESS_HOURS_EXAMPLE
EXAMPLE_POLICY = load_policy(EXAMPLE)


def decided_events(lines: Iterable[bytes], policy: Policy = EXAMPLE_POLICY) -> list[Case.Event]:
    """Every event the desk records for the lines, in order."""
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    events: list[Case.Event] = []
    for line in lines:
        outcome = desk.take(parse_message(line))
        if isinstance(outcome, Accepted):
            events.extend(outcome.case.collect_events())
    return events


def fill_views(settings: Settings, lines: Iterable[bytes], policy: Policy = EXAMPLE_POLICY) -> None:
    """The views of `settings` holding what the lines decide (one batch, one partition)."""
    events = decided_events(lines, policy)
    views = ViewStore(settings.stores())
    try:
        assert views.apply_batch("casebook.events", 0, len(events) - 1, events, [])
    finally:
        views.close()
