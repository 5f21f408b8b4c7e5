"""The desk's case repository for a bounded replay: recently used cases in memory, the rest
in the scratch file.

A case travels with its SLA row and audit record, so the views are the very `SlaView` and
`AuditView` of the in-memory replay, holding only the hot cases. Cases are short-lived in
real histories (a few hundred are active at once), so a few thousand hot ones serve nearly
every message from memory and a case is usually written once, when it goes quiet.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from analysis.spill.case_records import dump_case, load_case
from analysis.spill.filter import BloomFilter
from analysis.spill.scratch import ScratchDatabase, micros
from analysis.spill.timeline_records import dump_timeline, load_timeline
from analysis.spill.view_records import dump_audit, dump_sla, load_audit, load_sla
from domain.case import Case
from projections.audit import AuditView, CaseAudit
from projections.metrics import MetricsView
from projections.sla import SlaCase, SlaView
from projections.timelines import CaseTimeline

DEFAULT_HOT_CASES = 4096
BATCH = 512

EVICTED_FILTER_BITS = 1 << 23
"""1 MiB: a case id never written is told from one that was without asking the file."""

ColdCase = tuple[Case, SlaCase, CaseAudit, CaseTimeline | None]
"""An evicted case with its views (its metrics timeline when the policy has targets)."""


class HotCases:
    """`CaseRepository` port: finds a case in memory, or loads it back from the file.

    Evicted cases wait in a small write-behind batch (still as objects, so a case that
    comes back soon is not decoded) before they are written together. A filter of the
    written case ids spares the file a look-up for every new case.
    """

    def __init__(
        self,
        scratch: ScratchDatabase,
        sla: SlaView,
        audit: AuditView,
        capacity: int = DEFAULT_HOT_CASES,
        metrics: MetricsView | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"at least one case must stay in memory, not {capacity}")
        self._db = scratch.connection
        self._sla = sla
        self._audit = audit
        self._metrics = metrics
        self._capacity = capacity
        self._hot: OrderedDict[str, Case] = OrderedDict()
        self._leaving: dict[str, ColdCase] = {}
        self._written: BloomFilter | None = None  # made at the first eviction
        self._finished = False
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
        case, self._sla.cases[case_id], self._audit.cases[case_id], timeline = cold
        if self._metrics is not None and timeline is not None:
            self._metrics.cases[case_id] = timeline
        self._admit(case)
        return case

    def add(self, case: Case) -> None:
        self._admit(case)

    def finish(self) -> None:
        """Write the evicted cases still waiting and index the file in report order.

        The views of the cases still in memory stay in the views (no file round trip for
        them: `resident` gives them in report order); their aggregates are dropped, as no
        message will come for them.
        """
        self._write_leaving()
        self._finished = True
        self._hot.clear()
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS cases_in_report_order ON cases (opened_us, case_id)"
        )

    def resident(self) -> ResidentViews:
        """The views of the cases left in memory, keyed and sorted in report order (call
        `finish` first)."""
        keys = {
            case_id: (micros(row.opened_at), case_id) for case_id, row in self._sla.cases.items()
        }
        timelines = {} if self._metrics is None else self._metrics.cases
        return ResidentViews(
            sorted((keys[case_id], row) for case_id, row in self._sla.cases.items()),
            sorted((keys[case_id], a) for case_id, a in self._audit.cases.items()),
            sorted((keys[case_id], t) for case_id, t in timelines.items()),
        )

    def _admit(self, case: Case) -> None:
        self._hot[case.case_id] = case
        if len(self._hot) > self._capacity:
            self._evict_coldest()

    def _evict_coldest(self) -> None:
        case_id, case = self._hot.popitem(last=False)
        # The replay collects every accepted case's events before the next message, so an
        # evicted case has none pending; writing one out would lose it when it comes back.
        assert not case.pending_events, f"case {case_id} evicted with events pending"
        self._leaving[case_id] = (case, *self._leave_views(case_id))
        self.evictions += 1
        if len(self._leaving) >= BATCH:
            self._write_leaving()

    def _leave_views(self, case_id: str) -> tuple[SlaCase, CaseAudit, CaseTimeline | None]:
        timeline = None if self._metrics is None else self._metrics.cases.pop(case_id, None)
        return self._sla.cases.pop(case_id), self._audit.cases.pop(case_id), timeline

    def _write_leaving(self) -> None:
        if not self._leaving:
            return
        if self._written is None:
            self._written = BloomFilter(EVICTED_FILTER_BITS)
        written = self._written
        for case_id in self._leaving:
            written.add(case_id)
        self._db.executemany(
            "INSERT INTO cases (case_id, opened_us, aggregate, sla, audit, metrics)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    case_id,
                    micros(sla.opened_at),
                    dump_case(case),
                    dump_sla(sla),
                    dump_audit(audit),
                    None if timeline is None else dump_timeline(timeline),
                )
                for case_id, (case, sla, audit, timeline) in self._leaving.items()
            ),
        )
        self._leaving.clear()

    def _load(self, case_id: str) -> ColdCase | None:
        if self._written is None or case_id not in self._written:
            return None
        if self._finished:
            raise RuntimeError("the replay is finished: its cases are no longer taken back")
        row = self._db.execute(
            "SELECT aggregate, sla, audit, metrics FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        if row is None:
            return None
        # Taken out of the file: in memory it changes, and it is written again if evicted.
        self._db.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))
        self.loads += 1
        timeline = None if row[3] is None else load_timeline(row[3])
        return load_case(row[0]), load_sla(row[1]), load_audit(row[2]), timeline


def in_report_order(
    scratch: ScratchDatabase,
    column: str,
    load: Callable[[bytes], View],
    resident: list[Resident[View]],
    cutoff: int,
) -> Iterator[View]:
    """One view (`sla`, `audit` or `metrics`) of the cases opened at or before `cutoff` (µs), in report
    order: the evicted ones, read from the file `HotCases` wrote and `HotCases.finish`
    indexed, merged with those it ended with in memory (`HotCases.resident`).

    Report order is (opening instant, case id): as µs and text in SQLite (whose binary text
    order is that of Python's strings), as the same µs and strings in memory.
    """
    if column not in ("sla", "audit", "metrics"):
        raise ValueError(f"no such column: {column}")
    query = (
        f"SELECT opened_us, case_id, {column} FROM cases INDEXED BY cases_in_report_order"
        " WHERE opened_us <= ? ORDER BY opened_us, case_id"
    )
    waiting = iter([item for item in resident if item[0][0] <= cutoff])
    next_key, next_view = next(waiting, _DONE)
    for opened_us, case_id, blob in scratch.connection.execute(query, (cutoff,)):
        while next_key is not None and next_key < (opened_us, case_id):
            yield next_view
            next_key, next_view = next(waiting, _DONE)
        yield load(blob)
    if next_key is not None:
        yield next_view
        for _, view in waiting:
            yield view


View = TypeVar("View", SlaCase, CaseAudit, CaseTimeline)
Resident = tuple[tuple[int, str], View]
"""A view kept in memory, with its place in report order: (opening µs, case id)."""


@dataclass(frozen=True)
class ResidentViews:
    """The views of the cases a replay ended with in memory, each list in report order."""

    sla: list[Resident[SlaCase]] = field(default_factory=list)
    audit: list[Resident[CaseAudit]] = field(default_factory=list)
    timelines: list[Resident[CaseTimeline]] = field(default_factory=list)


_DONE: Any = (None, None)
