"""The desk's ports on the event store, scoped to one poll batch.

Cases touched by the batch and the message ids it noted are held until the batch is saved
in one transaction; a warm cache of cases spares re-reading them batch after batch.
"""

from __future__ import annotations

from collections import OrderedDict

from eventsourcing.application import AggregateNotFoundError

from consumers.event_store import CaseStore, existing_originators
from domain.case import Case
from domain.case_state import case_aggregate_id
from domain.ledger import IntakeMessageTaken, ledger_entry_event, ledger_entry_id
from domain.reasons import Rejection


class CaseCache:
    """Least-recently-used cases, valid only while our saves succeed (cleared on any doubt)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._cases: OrderedDict[str, Case] = OrderedDict()

    def get(self, case_id: str) -> Case | None:
        case = self._cases.get(case_id)
        if case is not None:
            self._cases.move_to_end(case_id)
        return case

    def put(self, case: Case) -> None:
        self._cases[case.case_id] = case
        self._cases.move_to_end(case.case_id)
        while len(self._cases) > self._capacity:
            self._cases.popitem(last=False)

    def clear(self) -> None:
        self._cases.clear()


class StoreBatch:
    """CaseRepository and MessageLedger for the desk, over the store, for one batch."""

    def __init__(self, store: CaseStore, cache: CaseCache) -> None:
        self._store = store
        self._cache = cache
        self.cases: dict[str, Case] = {}
        self.ledger: dict[str, IntakeMessageTaken.Created] = {}  # the entries' one events
        self._checked_ids: set[str] = set()
        self._seen_ids: set[str] = set()
        self._absent_cases: set[str] = set()

    def prefetch(self, message_ids: set[str], case_ids: set[str]) -> None:
        """Learn in two queries which message ids were taken and which cases exist."""
        by_entry = {ledger_entry_id(m): m for m in message_ids}
        self._seen_ids = {by_entry[i] for i in existing_originators(self._store, list(by_entry))}
        self._checked_ids = set(message_ids)
        unknown = {c for c in case_ids if self._cache.get(c) is None}
        by_case = {case_aggregate_id(c): c for c in unknown}
        existing = {by_case[i] for i in existing_originators(self._store, list(by_case))}
        self._absent_cases = unknown - existing

    def find(self, case_id: str) -> Case | None:
        case = self.cases.get(case_id) or self._cache.get(case_id)
        if case is None and case_id in self._absent_cases:
            return None
        if case is None:
            try:
                case = self._store.repository.get(case_aggregate_id(case_id))
            except AggregateNotFoundError:
                return None
        assert isinstance(case, Case)
        self.cases[case_id] = case
        return case

    def add(self, case: Case) -> None:
        self.cases[case.case_id] = case

    def has_seen(self, message_id: str) -> bool:
        if message_id in self.ledger:
            return True
        if message_id in self._checked_ids:
            return message_id in self._seen_ids
        return bool(self._store.recorder.select_events(ledger_entry_id(message_id), limit=1))

    def note(self, message_id: str, case_id: str | None, rejection: Rejection | None) -> None:
        outcome = "rejected" if rejection else "accepted"
        reason = rejection.reason.value if rejection else None
        self.ledger[message_id] = ledger_entry_event(message_id, case_id, outcome, reason)

    def keep_cases_warm(self) -> None:
        """After a successful save: the batch's cases are now the stored truth."""
        for case in self.cases.values():
            self._cache.put(case)
