"""`casebook replay`: an analyst's offline replay of a history file, as JSON or for a person."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from casebook.policies import load_policy
from casebook.progress import progress
from casebook.replay import replay_history
from casebook.settings import Settings
from domain.timefmt import parse_instant


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
    policy = load_policy(args.policy or Settings().policy_file)
    try:
        with args.input.open("rb") as history:
            report = replay_history(progress(history, "replaying"), policy).report(args.as_of)
    except OSError as error:
        print(f"casebook replay: cannot read {args.input}: {error.strerror}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_summary(report))
    return 0


def render_summary(report: dict[str, Any]) -> str:
    """A readable summary: compliance by severity, the cases not met, the rejections."""
    lines = [render_sla(report["sla"], report["as_of"]).rstrip("\n")]
    changes = sum(len(entry["severity_changes"]) for entry in report["audit"].values())
    lines += [
        "",
        f"Severity change proposals: {changes}",
        f"Rejected messages: {len(report['rejected'])}",
    ]
    for entry in report["rejected"]:
        where = entry.get("message_id") or f"line {entry.get('line')}"
        lines.append(f"  {where:<24} {entry.get('case_id') or '':<20} {entry['reason']}")
    return "\n".join(lines) + "\n"


def render_sla(sla: dict[str, Any], as_of: str) -> str:
    """The SLA table for a person: counts and compliance by severity, then the cases at risk."""
    lines = [f"SLA as of {as_of}", ""]
    header = f"{'severity':>8} {'opened':>7} {'met':>6} {'breached':>9} {'pending':>8} {'void':>5} {'compliance':>11}"
    lines.append(header)
    for label, counts in [*sla["by_severity"].items(), ("total", sla["total"])]:
        ratio = "-" if counts["compliance"] is None else f"{counts['compliance']:.1%}"
        lines.append(
            f"{label:>8} {counts['opened']:>7} {counts['met']:>6} {counts['breached']:>9} "
            f"{counts['pending']:>8} {counts['void']:>5} {ratio:>11}"
        )
    at_risk = [c for c in sla["cases"] if c["status"] in ("breached", "pending")]
    if at_risk:
        lines += ["", "Cases breached or pending:"]
        lines += [
            f"  {c['case_id']:<20} sev {c['sla_severity']} due {c['due_at']} "
            f"first response {c['first_response_at'] or '-':<20} {c['status']}"
            for c in at_risk
        ]
    return "\n".join(lines) + "\n"
