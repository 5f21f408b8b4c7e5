"""The relay selects by stored-event topic: every case event and dead letter, no ledger entry."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from consumers.event_outbox import published_event_topics
from domain.case import Case
from domain.ledger import DeadLetter, IntakeMessageTaken


def test_every_case_event_type_and_the_dead_letters_are_published() -> None:
    topics = set(published_event_topics())
    case_events = [
        member
        for member in vars(Case).values()
        if isinstance(member, type) and issubclass(member, Case.Event) and member is not Case.Event
    ]
    assert len(case_events) >= 10
    assert {get_topic(event) for event in case_events} | {get_topic(DeadLetter.Created)} == topics
    assert "casebook:Case.SeverityAgreed" in topics and "casebook:Case.Opened" in topics


def test_ledger_entries_stay_in_the_store() -> None:
    assert get_topic(IntakeMessageTaken.Created) not in published_event_topics()
