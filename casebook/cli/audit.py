"""`casebook audit CASE | digest | verify` and `casebook export`: the auditor's commands."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from casebook.progress import progress
from casebook.settings import Settings
from consumers.event_store import open_case_store
from consumers.view_store import ViewStore
from domain.chain import canonical_json
from domain.timefmt import END_OF_TIME, parse_instant
from evidence.export import (
    export_events,
    take_digest,
    verify_against_digest,
    verify_stored_case,
)
from evidence.verify import verify_export

USAGE = """casebook audit CASE [--as-of T] [--json]   a case's history and its verification
casebook audit digest                        print a digest of the whole history (keep it)
casebook audit verify --digest FILE          nothing recorded before the digest has changed
casebook audit verify --input EVENTS.jsonl   offline: verify an export, no engine needed"""


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit", help="a case's audit history; history digests; verification", usage=USAGE
    )
    audit.add_argument("target", help="a case id, or `digest`, or `verify`")
    audit.add_argument("--as-of", type=parse_instant, default=None)
    audit.add_argument("--json", action="store_true")
    audit.add_argument("--input", type=Path, help="verify: an export (JSON lines) to check offline")
    audit.add_argument("--digest", type=Path, help="verify: a digest taken earlier")
    audit.set_defaults(handler=dispatch)

    export = subparsers.add_parser(
        "export", help="the case events with their hashes, as JSON lines"
    )
    export.add_argument("--case", default=None, help="only this case")
    export.set_defaults(handler=export_history)


def dispatch(args: argparse.Namespace) -> int:
    if args.target == "digest":
        return print_digest()
    if args.target == "verify":
        if args.input is not None:
            return verify_offline(args.input, args.json)
        if args.digest is not None:
            return verify_digest(args.digest, args.json)
        print("casebook audit verify: give --input EVENTS.jsonl or --digest FILE", file=sys.stderr)
        return 2
    return show_case(args.target, args.as_of, args.json)


def export_history(args: argparse.Namespace) -> int:
    store = open_case_store(Settings().stores())
    try:
        out = sys.stdout.buffer
        for document in progress(export_events(store, args.case), "exporting"):
            out.write(canonical_json(document) + b"\n")
    finally:
        store.close()
    return 0


def print_digest() -> int:
    store = open_case_store(Settings().stores())
    try:
        digest = take_digest(store)
    except ValueError as error:
        print(f"casebook audit digest: refused: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    json.dump(digest, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def verify_digest(path: Path, as_json: bool) -> int:
    digest = json.loads(path.read_text(encoding="utf-8"))
    store = open_case_store(Settings().stores())
    try:
        problems = verify_against_digest(store, digest)
    finally:
        store.close()
    if as_json:
        _print_json({"verified": not problems, "root": digest["root"], "problems": problems})
    elif problems:
        print("FAILED: history recorded before the digest has changed:")
        for problem in problems:
            print(f"  {problem}")
    else:
        print(f"verified: {len(digest['cases'])} case chains match digest root {digest['root']}")
    return 0 if not problems else 1


def verify_offline(path: Path, as_json: bool) -> int:
    with path.open("rb") as export:
        result = verify_export(export)
    report = result.report()
    if as_json:
        _print_json(report)
        return 0 if result.ok else 1
    if result.first_break is not None:
        where = result.first_break
        print(
            f"FAILED: first break: case {where.get('case_id')} version {where.get('version')}: "
            f"{where.get('problem')} (line {where.get('line')})"
        )
    for case_id, verdict in report["cases"].items():
        problems = verdict["severity_problems"]
        detail = "; ".join(problems) if problems else ""
        print(
            f"{case_id:<24} {verdict['events']:>4} events  chain {verdict['chain']:<7} "
            f"severity changes {verdict['severity_changes']:<8} {verdict['verdict']} {detail}"
        )
    print("verified" if result.ok else "NOT verified")
    return 0 if result.ok else 1


def show_case(case_id: str, as_of: datetime | None, as_json: bool) -> int:
    settings = Settings()
    views = ViewStore(settings.stores())
    try:
        audit = views.case_audit(case_id)
    finally:
        views.close()
    if audit is None:
        print(f"casebook audit: no case {case_id!r} in the views", file=sys.stderr)
        return 1
    entry = audit.to_report(as_of or END_OF_TIME, with_events=True)
    store = open_case_store(settings.stores())
    try:
        entry["verification"] = verify_stored_case(store, case_id)
    finally:
        store.close()
    if as_json:
        _print_json(entry)
        return 0
    print(
        f"Case {case_id} (customer {entry['customer_id']}): chain {entry['verification']['chain']}, "
        f"severity changes {entry['verification']['severity_changes']}"
    )
    for event in entry["events"]:
        print(
            f"  v{event['version']:<3} {event['at']} {event['type']:<28} "
            f"{event['actor']['role']:<9} {event['actor']['id']:<12} {event['message_id']}"
        )
    print("Severity changes:")
    for change in entry["severity_changes"]:
        print(
            f"  {change['proposal_id']}: {change['from']} -> {change['to']} by "
            f"{change['proposed_by']}, {change['outcome']} by {change['decided_by'] or '-'} "
            f"at {change['decided_at'] or '-'}"
        )
    return 0


def _print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")
