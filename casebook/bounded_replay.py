"""The replay report in bounded memory: the same loop, desk and views as `casebook.replay`,
on ports that keep only the hot cases in memory and spill the rest to a scratch file.

Memory no longer grows with the history: message ids, cold cases and refusals live in a
temporary SQLite file, and the report is streamed from it (cases in report order, straight
from an index) without ever being built whole. The result must stay byte-identical to
`replay_history(...).report(as_of)`; the unit tests hold the two side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, TypeVar

from casebook.json_stream import Deferred, LazyArray, LazyObject, write_json
from casebook.replay import Intake, take_history
from casebook.spill.hot_cases import DEFAULT_HOT_CASES, HotCases, stored_rows
from casebook.spill.records import load_audit, load_sla
from casebook.spill.rejections import SpilledRejections
from casebook.spill.scratch import ScratchDatabase, micros
from casebook.spill.seen import SpilledLedger
from domain.desk import IntakeDesk
from domain.policy import Policy
from domain.timefmt import END_OF_TIME, format_instant
from projections.audit import AuditView, CaseAudit
from projections.rejections import RejectedMessage
from projections.sla import SlaCase, SlaTally, SlaView

_Opened = TypeVar("_Opened", SlaCase, CaseAudit)


def _report_order(view: SlaCase | CaseAudit) -> tuple[datetime, str]:
    """Cases are reported by opening instant, then id (as the file's index orders them)."""
    return view.opened_at, view.case_id


@dataclass
class Written:
    """What one written report held (the bench counts these instead of re-reading it)."""

    cases: int = 0
    rejected: int = 0


class SpilledReplay:
    """A finished replay whose state is in its scratch file; close it to delete the file."""

    def __init__(
        self,
        scratch: ScratchDatabase,
        rejections: SpilledRejections,
        intake: Intake,
        resident: tuple[list[SlaCase], list[CaseAudit]] = ([], []),
        reloaded: int = 0,
    ) -> None:
        self._scratch = scratch
        self._rejections = rejections
        self._resident_sla, self._resident_audits = resident
        self.lines = intake.lines
        self.latest_at = intake.latest_at
        self.events = intake.events
        self.reloaded = reloaded
        """How often an evicted case had to be read back: a hot set too small shows here."""

    def instant(self, as_of: datetime | None) -> datetime | None:
        """The report's T: the one asked for, else the latest `at` of the valid messages."""
        return as_of or self.latest_at

    def sla_rows(self, as_of: datetime | None = None) -> Iterator[SlaCase]:
        """The SLA rows of the cases opened at or before T, in report order: those in the
        file merged with those the replay ended with in memory."""
        stored = map(load_sla, stored_rows(self._scratch, "sla", self._cutoff(as_of)))
        return merge(stored, self._visible(self._resident_sla, as_of), key=_report_order)

    def audits(self, as_of: datetime | None = None) -> Iterator[CaseAudit]:
        """The audit records of the cases opened at or before T, in report order."""
        stored = map(load_audit, stored_rows(self._scratch, "audit", self._cutoff(as_of)))
        return merge(stored, self._visible(self._resident_audits, as_of), key=_report_order)

    def _visible(self, resident: list[_Opened], as_of: datetime | None) -> list[_Opened]:
        cutoff = self.instant(as_of) or END_OF_TIME
        return [view for view in resident if view.opened_at <= cutoff]

    def rejected(self, as_of: datetime | None = None) -> Iterator[RejectedMessage]:
        return self._rejections.visible(self._cutoff(as_of))

    def rejected_count(self, as_of: datetime | None = None) -> int:
        return self._rejections.count(self._cutoff(as_of))

    def write_json(self, stream: TextIO, as_of: datetime | None = None) -> Written:
        """The contract's report, as `json.dump(report, stream, indent=1)` writes it."""
        instant = self.instant(as_of)
        cutoff = instant or END_OF_TIME
        tally, written = SlaTally(), Written()

        def cases() -> Iterator[dict[str, Any]]:
            for row in self.sla_rows(as_of):
                written.cases += 1
                yield tally.entry(row, cutoff)

        def rejected() -> Iterator[dict[str, Any]]:
            for entry in self._rejections.report_entries(self._cutoff(as_of)):
                written.rejected += 1
                yield entry

        audit = ((a.case_id, a.to_report(cutoff)) for a in self.audits(as_of))
        report = {
            "as_of": format_instant(instant),
            "sla": {
                "cases": LazyArray(cases()),
                "by_severity": Deferred(tally.by_severity),
                "total": Deferred(tally.total),
            },
            "rejected": LazyArray(rejected()),
            "audit": LazyObject(audit),
        }
        write_json(stream, report)
        return written

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The whole report as one dict, for tests and small histories (not bounded)."""
        instant = self.instant(as_of)
        cutoff = instant or END_OF_TIME
        tally = SlaTally()
        cases = [tally.entry(row, cutoff) for row in self.sla_rows(as_of)]
        return {
            "as_of": format_instant(instant),
            "sla": {"cases": cases, "by_severity": tally.by_severity(), "total": tally.total()},
            "rejected": [entry.to_report() for entry in self.rejected(as_of)],
            "audit": {a.case_id: a.to_report(cutoff) for a in self.audits(as_of)},
        }

    def _cutoff(self, as_of: datetime | None) -> int:
        return micros(self.instant(as_of) or END_OF_TIME)

    def close(self) -> None:
        self._scratch.close()

    def __enter__(self) -> SpilledReplay:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def replay_bounded(
    lines: Iterable[bytes],
    policy: Policy,
    *,
    hot_cases: int = DEFAULT_HOT_CASES,
    scratch_dir: Path | None = None,
) -> SpilledReplay:
    """Replay a history keeping at most `hot_cases` cases in memory; use the result in `with`.

    The scratch file goes in a fresh folder under `scratch_dir` (the system's temporary
    folder by default) and is deleted when the result is closed, or at once on an error.
    """
    scratch = ScratchDatabase(scratch_dir)
    try:
        sla, audit = SlaView(), AuditView(keep_events=False)
        cases = HotCases(scratch, sla, audit, hot_cases)
        ledger = SpilledLedger(scratch)
        rejections = SpilledRejections(scratch)
        intake = take_history(lines, IntakeDesk(cases, ledger, policy), sla, audit, rejections)
        cases.finish()
        rejections.flush()
        return SpilledReplay(scratch, rejections, intake, cases.resident(), cases.loads)
    except BaseException:
        scratch.close()
        raise
