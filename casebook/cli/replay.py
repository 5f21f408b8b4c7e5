"""`casebook replay`: an analyst's offline replay of a history file, as JSON or for a person."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.bounded_replay import SpilledReplay, replay_bounded
from casebook.policies import load_policy
from casebook.progress import progress
from casebook.settings import Settings
from domain.timefmt import END_OF_TIME, format_instant, parse_instant
from projections.sla import SlaTally


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay", help="replay a history file (.jsonl) and report SLA, rejections, audit"
    )
    parser.add_argument(
        "--input", required=True, type=Path, help="history file, one JSON message per line"
    )
    parser.add_argument(
        "--as-of", type=parse_instant, default=None, help="RFC 3339 instant T: count only at <= T"
    )
    parser.add_argument(
        "--policy", type=Path, default=None, help="policy file (default: the shipped policy)"
    )
    parser.add_argument("--json", action="store_true", help="print the contract's JSON report")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    policy = load_policy(args.policy or settings.policy_file)
    try:
        with args.input.open("rb") as history:
            replay = replay_bounded(
                progress(history, "replaying"), policy, hot_cases=settings.replay_hot_cases
            )
    except OSError as error:
        print(f"casebook replay: cannot read {args.input}: {error.strerror}", file=sys.stderr)
        return 2
    with replay:
        if args.json:
            replay.write_json(sys.stdout, args.as_of)
            sys.stdout.write("\n")
        else:
            sys.stdout.writelines(stream_summary(replay, args.as_of))
    return 0


def stream_summary(replay: SpilledReplay, as_of: datetime | None) -> Iterator[str]:
    """`render_summary` of the replay's report, read from its scratch file in two passes.

    The table's counts come before the cases at risk, so a first pass counts them (and the
    severity changes) and a second lists the cases; each SLA v2 metric's counts take a pass
    of their own. Nothing is held but the counts.
    """
    instant = replay.instant(as_of)
    cutoff = instant or END_OF_TIME
    tally = SlaTally()
    for row in replay.sla_rows(as_of):
        tally.entry(row, cutoff)
    changes = sum(
        len(audit.to_report(cutoff)["severity_changes"]) for audit in replay.audits(as_of)
    )
    at_risk = (row.to_report(cutoff) for row in replay.sla_rows(as_of))
    yield from sla_lines(tally.by_severity(), tally.total(), at_risk, format_instant(instant))
    yield from metric_lines(replay.metric_counts(as_of))
    yield from proposal_and_rejection_lines(
        changes,
        replay.rejected_count(as_of),
        (entry.to_report() for entry in replay.rejected(as_of)),
    )


def render_summary(report: dict[str, Any]) -> str:
    """A readable summary: compliance by severity, the cases not met, the rejections."""
    changes = sum(len(entry["severity_changes"]) for entry in report["audit"].values())
    rejected = report["rejected"]
    tail = proposal_and_rejection_lines(changes, len(rejected), rejected)
    metrics = "".join(metric_lines(report.get("metrics", {})))
    return render_sla(report["sla"], report["as_of"]) + metrics + "".join(tail)


def metric_lines(metrics: dict[str, Any]) -> Iterator[str]:
    """SLA v2: each metric's counts and compliance, by current severity and in total."""
    for metric, section in metrics.items():
        yield f"\n{metric.replace('_', ' ').capitalize()}"
        yield " (cycles)\n" if metric == "next_response" else " (cases)\n"
        counted = [name for name in section["total"] if name != "compliance"]
        yield f"{'severity':>8} " + " ".join(f"{name:>8}" for name in counted) + "  compliance\n"
        rows = [*section["by_severity"].items(), ("total", section["total"])]
        for label, counts in rows:
            ratio = counts["compliance"]
            shown = "-" if ratio is None else f"{ratio:.1%}"
            yield (
                f"{label:>8} "
                + " ".join(f"{counts[name]:>8}" for name in counted)
                + f"  {shown:>10}\n"
            )


def proposal_and_rejection_lines(
    changes: int, rejected_count: int, rejected: Iterable[dict[str, Any]]
) -> Iterator[str]:
    yield "\n"
    yield f"Severity change proposals: {changes}\n"
    yield f"Rejected messages: {rejected_count}\n"
    for entry in rejected:
        where = entry.get("message_id") or f"line {entry.get('line')}"
        yield f"  {where:<24} {entry.get('case_id') or '':<20} {entry['reason']}\n"


def render_sla(sla: dict[str, Any], as_of: str | None) -> str:
    """The SLA table for a person: counts and compliance by severity, then the cases at risk."""
    return "".join(sla_lines(sla["by_severity"], sla["total"], sla["cases"], as_of))


def sla_lines(
    by_severity: dict[str, dict[str, Any]],
    total: dict[str, Any],
    cases: Iterable[dict[str, Any]],
    as_of: str | None,
) -> Iterator[str]:
    """`render_sla` line by line; `cases` (report entries) are read once, as they are listed."""
    yield f"SLA as of {as_of}\n"
    yield "\n"
    yield f"{'severity':>8} {'opened':>7} {'met':>6} {'breached':>9} {'pending':>8} {'void':>5} {'compliance':>11}\n"
    for label, counts in [*by_severity.items(), ("total", total)]:
        ratio = "-" if counts["compliance"] is None else f"{counts['compliance']:.1%}"
        yield (
            f"{label:>8} {counts['opened']:>7} {counts['met']:>6} {counts['breached']:>9} "
            f"{counts['pending']:>8} {counts['void']:>5} {ratio:>11}\n"
        )
    heading = "\nCases breached or pending:\n"
    for c in cases:
        if c["status"] not in ("breached", "pending"):
            continue
        yield heading
        heading = ""
        yield (
            f"  {c['case_id']:<20} sev {c['sla_severity']} due {c['due_at']} "
            f"first response {c['first_response_at'] or '-':<20} {c['status']}\n"
        )
