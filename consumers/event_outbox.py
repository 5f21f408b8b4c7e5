"""What the relay publishes from: the event store's notification log, as outgoing records.

Case events go to the events topic, dead letters to the rejected topic; ledger entries stay
in the store. `OutboxSource` is the relay's port, so breach warnings use the same relay.
"""

from __future__ import annotations

from typing import Protocol

from eventsourcing.utils import get_topic

from consumers.event_store import CaseStore
from consumers.stored_fields import StoredFields
from consumers.topics import Topics
from consumers.wire import OutgoingRecord, case_event_record, dead_letter_record
from domain.case import Case
from domain.ledger import DeadLetter


class OutboxSource(Protocol):
    """Where a relay reads: records after a position, in order, each with its topic."""

    def fetch(self, after: int, limit: int) -> tuple[list[tuple[str, OutgoingRecord]], int | None]:
        """Up to `limit` entries after `after`: (topic, record) pairs and the last entry's id."""
        ...

    def last_id(self) -> int | None:
        """The id of the last entry the source holds (None: empty)."""
        ...


def published_event_topics() -> tuple[str, ...]:
    """The stored-event topics the relay publishes: every case event and the dead letters.

    Over half of the log is message-ledger entries, which stay in the store: selecting by
    topic skips them in SQL instead of decoding them to throw them away.
    """
    case_events = {
        get_topic(member)
        for member in vars(Case).values()
        if isinstance(member, type) and issubclass(member, Case.Event) and member is not Case.Event
    }
    return (*sorted(case_events), get_topic(DeadLetter.Created))


class EventStoreOutbox:
    """The event store's notification log: case events and dead letters."""

    def __init__(self, store: CaseStore, topics: Topics) -> None:
        self._store = store
        self._topics = topics
        self._published = published_event_topics()
        self._fields = StoredFields(store.mapper)

    def fetch(self, after: int, limit: int) -> tuple[list[tuple[str, OutgoingRecord]], int | None]:
        notifications = self._store.recorder.select_notifications(
            start=after, limit=limit, topics=self._published, inclusive_of_start=False
        )
        if not notifications:
            return [], None
        records = []
        for notification in notifications:
            event_class, fields = self._fields.fields(notification)
            if issubclass(event_class, Case.Event):
                records.append((self._topics.events, case_event_record(event_class, fields)))
            elif issubclass(event_class, DeadLetter.Created):
                records.append((self._topics.rejected, dead_letter_record(fields)))
        return records, notifications[-1].id

    def last_id(self) -> int | None:
        return self._store.recorder.max_notification_id()

    def pending(self, after: int | None, cap: int) -> int:
        """Entries after `after` the relay has still to publish (at most `cap` counted):
        ledger entries between them are not published, so the ids' difference overstates."""
        notifications = self._store.recorder.select_notifications(
            start=after or 0,
            limit=cap,
            topics=self._published,
            inclusive_of_start=after is None,
        )
        return len(notifications)
