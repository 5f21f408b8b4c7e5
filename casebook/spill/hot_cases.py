"""The desk's case repository for a bounded replay: recently used cases in memory, the rest
pickled into the scratch file.

A case travels with its SLA row and audit record, so the views are the very `SlaView` and
`AuditView` of the in-memory replay, holding only the hot cases. Cases are short-lived in
real histories (a few hundred are active at once), so a few thousand hot ones serve nearly
every message from memory and a case is usually written once, when it goes quiet.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Iterator

from casebook.spill.scratch import ScratchDatabase, micros
from domain.case import Case
from projections.audit import AuditView, CaseAudit
from projections.sla import SlaCase, SlaView

DEFAULT_HOT_CASES = 4096
BATCH = 512

ColdCase = tuple[Case, SlaCase, CaseAudit]


class HotCases:
    """`CaseRepository` port: finds a case in memory, or loads it back from the file.

    Evicted cases wait in a small write-behind batch (still as objects, so a case that
    comes back soon is not unpickled) before they are written together.
    """

    def __init__(
        self,
        scratch: ScratchDatabase,
        sla: SlaView,
        audit: AuditView,
        capacity: int = DEFAULT_HOT_CASES,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"at least one case must stay in memory, not {capacity}")
        self._db = scratch.connection
        self._sla = sla
        self._audit = audit
        self._capacity = capacity
        self._hot: OrderedDict[str, Case] = OrderedDict()
        self._leaving: dict[str, ColdCase] = {}
        self.loads = 0
        self.evictions = 0

    def find(self, case_id: str) -> Case | None:
        case = self._hot.get(case_id)
        if case is not None:
            self._hot.move_to_end(case_id)
            return case
        cold = self._leaving.pop(case_id, None) or self._load(case_id)
        if cold is None:
            return None
        case, self._sla.cases[case_id], self._audit.cases[case_id] = cold
        self._admit(case)
        return case

    def add(self, case: Case) -> None:
        self._admit(case)

    def finish(self) -> None:
        """Write every case to the file and index it in report order: the report reads it."""
        while self._hot:
            self._evict_coldest()
        self._write_leaving()
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS cases_in_report_order ON cases (opened_us, case_id)"
        )

    def _admit(self, case: Case) -> None:
        self._hot[case.case_id] = case
        if len(self._hot) > self._capacity:
            self._evict_coldest()

    def _evict_coldest(self) -> None:
        case_id, case = self._hot.popitem(last=False)
        # The replay collects every accepted case's events before the next message, so an
        # evicted case has none pending; pickling one would lose it when it comes back.
        assert not case.pending_events, f"case {case_id} evicted with events pending"
        self._leaving[case_id] = (
            case,
            self._sla.cases.pop(case_id),
            self._audit.cases.pop(case_id),
        )
        self.evictions += 1
        if len(self._leaving) >= BATCH:
            self._write_leaving()

    def _write_leaving(self) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO cases (case_id, opened_us, aggregate, sla, audit)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                (case_id, micros(sla.opened_at), _dump(case), _dump(sla), _dump(audit))
                for case_id, (case, sla, audit) in self._leaving.items()
            ),
        )
        self._leaving.clear()

    def _load(self, case_id: str) -> ColdCase | None:
        row = self._db.execute(
            "SELECT aggregate, sla, audit FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        if row is None:
            return None
        self.loads += 1
        return pickle.loads(row[0]), pickle.loads(row[1]), pickle.loads(row[2])


def _dump(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def stored_rows(scratch: ScratchDatabase, column: str, cutoff: int) -> Iterator[bytes]:
    """One pickled column of the cases opened at or before `cutoff` (µs), in report order.

    Reads what `HotCases.finish` wrote and indexed.
    """
    if column not in ("sla", "audit"):
        raise ValueError(f"no such column: {column}")
    query = (
        f"SELECT {column} FROM cases INDEXED BY cases_in_report_order"
        " WHERE opened_us <= ? ORDER BY opened_us, case_id"
    )
    for (blob,) in scratch.connection.execute(query, (cutoff,)):
        yield blob
