"""`casebook whatif`: replay a history under a candidate policy beside the recorded one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from analysis.whatif import what_if
from casebook.policies import PolicyError, load_policy
from casebook.settings import Settings
from domain.timefmt import parse_instant


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "whatif", help="compliance under a candidate policy vs the recorded one"
    )
    parser.add_argument("--input", required=True, type=Path, help="history file (.jsonl)")
    parser.add_argument("--policy", required=True, type=Path, help="candidate policy file (JSON)")
    parser.add_argument(
        "--recorded-policy", type=Path, default=None, help="default: the configured policy"
    )
    parser.add_argument("--as-of", type=parse_instant, default=None)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        candidate = load_policy(args.policy)
        recorded = load_policy(args.recorded_policy or Settings().policy_file)
    except PolicyError as error:
        print(f"casebook whatif: invalid policy {error}", file=sys.stderr)
        return 2
    lines = args.input.read_bytes().splitlines()
    report = what_if(lines, recorded, candidate, args.as_of)
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(
        f"As of {report['as_of']}: recorded policy {recorded.id} v{recorded.version} "
        f"vs candidate {candidate.id} v{candidate.version}"
    )
    print(f"{'severity':>8} {'recorded':>10} {'candidate':>10}")
    rows = [*report["recorded"]["by_severity"].items(), ("total", report["recorded"]["total"])]
    candidate_rows = {**report["candidate"]["by_severity"], "total": report["candidate"]["total"]}
    for label, counts in rows:
        print(
            f"{label:>8} {_ratio(counts['compliance']):>10} {_ratio(candidate_rows[label]['compliance']):>10}"
        )
    print(f"\nCases whose status flips: {len(report['flipped'])}")
    for case in report["flipped"]:
        after = case["candidate"]["status"] if case["candidate"] else "-"
        print(
            f"  {case['case_id']:<20} sev {case['sla_severity']} {case['recorded']['status']} -> {after}"
        )
    for metric, flips in report.get("metric_flips", {}).items():
        shown = [report["metrics"][side].get(metric) for side in ("recorded", "candidate")]
        ratios = [_ratio(part["total"]["compliance"]) if part else "not measured" for part in shown]
        print(
            f"\n{metric}: recorded {ratios[0]}, candidate {ratios[1]}; cases that flip: {len(flips)}"
        )
        for flip in flips:
            print(
                f"  {flip['case_id']:<20} {flip['recorded'] or '-'} -> {flip['candidate'] or '-'}"
            )
    return 0


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
