"""The replay report in bounded memory: the same loop, desk and views as `analysis.replay`,
on ports that keep only the hot cases in memory and spill the rest to a scratch file.

Memory no longer grows with the history: message ids, cold cases (with their SLA v2
timelines under a policy with targets) and refusals live in a temporary SQLite file, and the
report is streamed from it (cases in report order, straight from an index) without ever
being built whole. The result must stay byte-identical to
`replay_history(...).report(as_of)`; the unit tests hold the two side by side.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from analysis.json_stream import Deferred, LazyArray, LazyObject, write_json
from analysis.replay import Intake, take_history
from analysis.spill.hot_cases import DEFAULT_HOT_CASES, HotCases, ResidentViews, in_report_order
from analysis.spill.rejections import SpilledRejections
from analysis.spill.scratch import ScratchDatabase, micros
from analysis.spill.seen import SpilledLedger
from analysis.spill.timeline_records import load_timeline
from analysis.spill.view_records import load_audit, load_sla
from domain.desk import IntakeDesk
from domain.policy import Policy
from domain.timefmt import END_OF_TIME, format_instant
from projections.audit import AuditView, CaseAudit
from projections.metrics import Measure, MetricsView, MetricTally, measured_metrics
from projections.rejections import RejectedMessage
from projections.sla import SlaCase, SlaTally, SlaView
from projections.timelines import CaseTimeline


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
        resident: ResidentViews | None = None,
        reloaded: int = 0,
        metrics_policy: Policy | None = None,
    ) -> None:
        self._scratch = scratch
        self._rejections = rejections
        self._resident = resident or ResidentViews()
        self._metrics_policy = metrics_policy
        """The policy whose targets the `metrics` section measures (None: a v1 report)."""
        self.lines = intake.lines
        self.latest_at = intake.latest_at
        self.events = intake.events
        self.reloaded = reloaded
        """How often an evicted case had to be read back: a hot set too small shows here."""

    def instant(self, as_of: datetime | None) -> datetime | None:
        """The report's T: the one asked for, else the latest `at` of the valid messages."""
        return as_of or self.latest_at

    def sla_rows(self, as_of: datetime | None = None) -> Iterator[SlaCase]:
        """The SLA rows of the cases opened at or before T, in report order."""
        return in_report_order(
            self._scratch, "sla", load_sla, self._resident.sla, self._cutoff(as_of)
        )

    def audits(self, as_of: datetime | None = None) -> Iterator[CaseAudit]:
        """The audit records of the cases opened at or before T, in report order."""
        return in_report_order(
            self._scratch, "audit", load_audit, self._resident.audit, self._cutoff(as_of)
        )

    def timelines(self, as_of: datetime | None = None) -> Iterator[CaseTimeline]:
        """The SLA v2 timelines of the cases opened at or before T, in report order (none
        under a policy without targets)."""
        if self._metrics_policy is None:
            return iter(())
        return in_report_order(
            self._scratch, "metrics", load_timeline, self._resident.timelines, self._cutoff(as_of)
        )

    def rejected(self, as_of: datetime | None = None) -> Iterator[RejectedMessage]:
        return self._rejections.visible(self._rejections_cutoff(as_of))

    def rejected_count(self, as_of: datetime | None = None) -> int:
        return self._rejections.count(self._rejections_cutoff(as_of))

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
            for entry in self._rejections.report_entries(self._rejections_cutoff(as_of)):
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
            **self._metrics(as_of, cutoff, streamed=True),
            "rejected": LazyArray(rejected()),
            "audit": LazyObject(audit),
        }
        with fewer_young_collections():
            write_json(stream, report)
        return written

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The whole report as one dict, for tests and small histories (not bounded)."""
        instant = self.instant(as_of)
        cutoff = instant or END_OF_TIME
        tally = SlaTally()
        cases = [tally.entry(row, cutoff) for row in self.sla_rows(as_of)]
        metrics = self._metrics(as_of, cutoff, streamed=False)
        return {
            "as_of": format_instant(instant),
            "sla": {"cases": cases, "by_severity": tally.by_severity(), "total": tally.total()},
            **metrics,
            "rejected": [entry.to_report() for entry in self.rejected(as_of)],
            "audit": {a.case_id: a.to_report(cutoff) for a in self.audits(as_of)},
        }

    def metric_counts(self, as_of: datetime | None = None) -> dict[str, dict[str, Any]]:
        """Each metric's counts by severity and in total, without its rows (the summary's
        tables); nothing under a policy without targets."""
        policy = self._metrics_policy
        if policy is None:
            return {}
        cutoff = self.instant(as_of) or END_OF_TIME
        counts: dict[str, dict[str, Any]] = {}
        for metric, measure, counted in measured_metrics(policy):
            tally = MetricTally(counted)
            for _ in self._measured(as_of, cutoff, policy, measure, tally):
                pass  # counted as measured; the row itself is not kept
            counts[metric] = {"by_severity": tally.by_severity(), "total": tally.total()}
        return counts

    def _metrics(
        self, as_of: datetime | None, cutoff: datetime, *, streamed: bool
    ) -> dict[str, Any]:
        """`{"metrics": ...}` (nothing for a v1 policy): each metric's rows read from the
        file in a pass of their own. Streamed, the rows are written as they are measured and
        the counts once they are all in; else the section is built whole."""
        policy = self._metrics_policy
        if policy is None:
            return {}
        section: dict[str, Any] = {}
        for metric, measure, counted in measured_metrics(policy):
            tally = MetricTally(counted)
            rows = self._measured(as_of, cutoff, policy, measure, tally)
            section[metric] = (
                {
                    "cases": LazyArray(rows),
                    "by_severity": Deferred(tally.by_severity),
                    "total": Deferred(tally.total),
                }
                if streamed
                else {
                    "cases": list(rows),
                    "by_severity": tally.by_severity(),
                    "total": tally.total(),
                }
            )
        return {"metrics": section}

    def _measured(
        self,
        as_of: datetime | None,
        cutoff: datetime,
        policy: Policy,
        measure: Measure,
        tally: MetricTally,
    ) -> Iterator[dict[str, Any]]:
        """One metric's rows in report order, each counted into `tally` as it is made."""
        for timeline in self.timelines(as_of):
            calendar = policy.pinned_calendar(timeline.calendar_id, timeline.calendar_hash)
            row = measure(timeline, calendar, cutoff, policy)
            tally.add(row, timeline, cutoff)
            yield row

    def _cutoff(self, as_of: datetime | None) -> int:
        return micros(self.instant(as_of) or END_OF_TIME)

    @staticmethod
    def _rejections_cutoff(as_of: datetime | None) -> int:
        """Contract 1.1: without an asked-for T every rejection is listed (the default T
        only dates the SLA statuses)."""
        return micros(as_of or END_OF_TIME)

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
        metrics = MetricsView(policy) if policy.targets else None
        cases = HotCases(scratch, sla, audit, hot_cases, metrics)
        ledger = SpilledLedger(scratch)
        rejections = SpilledRejections(scratch)
        with fewer_young_collections():
            intake = take_history(
                lines, unsealed_desk(cases, ledger, policy), sla, audit, rejections, metrics
            )
        cases.finish()
        return SpilledReplay(
            scratch,
            rejections,
            intake,
            cases.resident(),
            cases.loads,
            metrics_policy=policy if metrics is not None else None,
        )
    except BaseException:
        scratch.close()
        raise


def unsealed_desk(cases: HotCases, ledger: SpilledLedger, policy: Policy) -> IntakeDesk:
    """The desk with its cases opened unsealed: these events are neither stored nor
    published and the report shows no hash, so hashing them (a fifth of a replay's time
    over the bench histories) would be waste. `replay_history` seals; the tests hold its
    report and this one byte for byte."""
    return IntakeDesk(cases, ledger, policy, sealed=False)


YOUNG_COLLECTION_THRESHOLD = 20_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


@contextmanager
def fewer_young_collections(threshold: int = YOUNG_COLLECTION_THRESHOLD) -> Iterator[None]:
    """Run the garbage collector's young pass less often while a replay allocates.

    Nearly everything a replay allocates is freed by reference counting or lives on; at the
    default threshold the collector spent 3-4 % of a replay scanning it. Garbage cycles
    still go, a little later: memory stays bounded. The previous thresholds come back after.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
