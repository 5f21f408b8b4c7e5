"""`casebook run`, `casebook publish`, `casebook rebuild`: the live engine's commands."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from casebook.logs import configure_logging
from casebook.operations import OperationsPortUnavailable, start_operations
from casebook.progress import counter, progress
from casebook.role_processes import engine_for
from casebook.settings import Settings
from casebook.wiring import ROLES, Engine
from consumers.offsets import truncated_partitions
from consumers.publishing import UnknownSource, declared_source, publish_report
from consumers.supervision import tune_gc
from consumers.topics import Topics
from consumers.view_store import ViewStore


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="run the engine (all roles, or one with --role)")
    run.add_argument(
        "--role", choices=ROLES, action="append", help="run only this role (repeatable)"
    )
    run.add_argument(
        "--until-idle", action="store_true", help="exit 0 once everything available is processed"
    )
    run.set_defaults(handler=run_engine)

    publish = subparsers.add_parser("publish", help="publish a history file to the intake topic")
    publish.add_argument("history", type=Path)
    publish.add_argument(
        "--source",
        default=None,
        help="sign every record as this declared source (CASEBOOK_INTAKE_SOURCES, contract 1.2)",
    )
    publish.set_defaults(handler=publish_file)

    rebuild = subparsers.add_parser(
        "rebuild",
        help="drop the views and rebuild them from the events topic (stop projection runners first)",
    )
    rebuild.add_argument(
        "--accept-truncated-history",
        action="store_true",
        help="rebuild even when the events or rejected topic has lost its oldest records"
        " (the views will lack the cases those records were about)",
    )
    rebuild.set_defaults(handler=rebuild_views)


def run_engine(args: argparse.Namespace) -> int:
    settings = Settings()
    roles = tuple(args.role or ROLES)
    several = len(roles) > 1
    name = ("supervisor" if settings.process_per_role else "engine") if several else roles[0]
    configure_logging(settings.log_format, name, settings.secret_values())
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    engine = engine_for(settings, roles)
    server = None
    try:
        if isinstance(engine, Engine):  # role processes serve their own ports
            server = start_operations(settings, roles, engine.readiness)
        tune_gc()
        engine.run(until_idle=args.until_idle, stop=stop)
    except OperationsPortUnavailable as error:
        print(f"casebook run: {error}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.close()
    return 0


def publish_file(args: argparse.Namespace) -> int:
    try:
        with args.history.open("rb") as history:
            settings = Settings()
            source = (
                None if args.source is None else declared_source(settings.intake(), args.source)
            )
            report = publish_report(settings.kafka(), progress(history, "publishing"), source)
    except OSError as error:
        print(f"casebook publish: cannot read {args.history}: {error.strerror}", file=sys.stderr)
        return 2
    except UnknownSource as error:
        print(f"casebook publish: {error}", file=sys.stderr)
        return 2
    print(f"published {report.sent} messages")
    for refusal in report.describe_refusals():
        print(f"casebook publish: {refusal}", file=sys.stderr)
    return 1 if report.refused else 0


def rebuild_views(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings.log_format, "rebuild", settings.secret_values())
    topics = Topics.named(settings.kafka())
    truncated = truncated_partitions(settings.kafka(), [topics.events, topics.rejected])
    if truncated:
        where = ", ".join(
            f"{partition.topic}[{partition.partition}] starts at offset {offset}"
            for partition, offset in sorted(truncated.items())
        )
        verdict = "rebuilding anyway (--accept-truncated-history)"
        if not args.accept_truncated_history:
            verdict = "refusing to rebuild views that would silently lack them"
        print(
            f"casebook rebuild: the oldest records are gone ({where}): {verdict}; keep the"
            " evidence with retention.ms=-1 (CASEBOOK_EVIDENCE_RETENTION_MS)",
            file=sys.stderr,
        )
        if not args.accept_truncated_history:
            return 1
    views = ViewStore(settings.stores())
    views.reset()
    views.close()
    bar = counter("rebuilding")
    Engine(settings, ("projections",)).run(until_idle=True, on_progress=bar.update if bar else None)
    if bar is not None:
        bar.close()
    print("views rebuilt from the events topic")
    return 0
