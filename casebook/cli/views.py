"""`casebook sla`, `casebook rejected`: reading the durable views (audit: `cli/audit.py`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.sla_export import write_table
from casebook.cli.replay import render_sla
from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.view_store import ViewStore
from domain.timefmt import format_instant, parse_instant
from projections.metrics import metrics_section
from projections.sla import sla_report


def register(subparsers: Any) -> None:
    sla = subparsers.add_parser("sla", help="the SLA compliance view (as of now, or --as-of T)")
    sla.add_argument("--as-of", type=parse_instant, default=None)
    sla.add_argument("--json", action="store_true")
    sla.add_argument(
        "--format", choices=("csv", "parquet"), help="write a table file (needs --output)"
    )
    sla.add_argument("--output", type=Path, help="where --format writes")
    sla.set_defaults(handler=show_sla)

    rejected = subparsers.add_parser("rejected", help="the rejected messages")
    rejected.add_argument("--json", action="store_true")
    rejected.set_defaults(handler=show_rejected)


def _now() -> datetime:
    # The CLI is an edge, not the domain: "as of now" is the wall clock here.
    return datetime.now(UTC)


def show_sla(args: argparse.Namespace) -> int:
    as_of = args.as_of or _now()  # read once: the table's heading names the instant it used
    settings = Settings()
    policy = load_policy(settings.policy_file)
    views = ViewStore(settings.stores())
    try:
        report = sla_report(views.sla_rows(), as_of)
        if policy.targets:  # SLA v2: each case judged by the calendar its opening pinned
            timelines = views.metric_timelines()
            listed = [timelines[case["case_id"]] for case in report["cases"]]
            report["metrics"] = metrics_section(listed, as_of, policy)
    finally:
        views.close()
    if args.format:
        if args.output is None:
            print("casebook sla: --format needs --output FILE", file=sys.stderr)
            return 2
        written = write_table(report, args.output, args.format)
        print(f"wrote {written} cases to {args.output}")
    elif args.json:
        _print_json({"as_of": format_instant(as_of), **report})  # contract 1.1: names its T
    else:
        sys.stdout.write(render_sla(report, format_instant(as_of) or ""))
    return 0


def show_rejected(args: argparse.Namespace) -> int:
    views = ViewStore(Settings().stores())
    try:
        entries = [entry.to_report() for entry in views.rejected()]
    finally:
        views.close()
    if args.json:
        _print_json(entries)
    else:
        for entry in entries:
            print(
                f"{entry.get('message_id') or entry.get('source')}: {entry.get('case_id') or '-'} {entry['reason']}"
            )
    return 0


def _print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")
