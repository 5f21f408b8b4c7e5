"""In-memory adapters of the desk's ports: offline replay runs on them, unit tests use them."""

from __future__ import annotations

from domain.case import Case
from domain.reasons import Rejection


class InMemoryCases:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}

    def find(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def add(self, case: Case) -> None:
        self.cases[case.case_id] = case


class InMemoryLedger:
    def __init__(self) -> None:
        self.seen: dict[str, Rejection | None] = {}

    def has_seen(self, message_id: str) -> bool:
        return message_id in self.seen

    def note(self, message_id: str, case_id: str | None, rejection: Rejection | None) -> None:
        self.seen[message_id] = rejection
