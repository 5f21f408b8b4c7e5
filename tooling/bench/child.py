"""What the bench measures, one piece per child process: `python -m tooling.bench.child MODE`.

Each mode times its own work (not the interpreter's start-up), then prints one JSON object
on stdout with `seconds`, `peak_rss_kb` and what it counted. Settings come from the
`CASEBOOK_*` environment the parent set: this module is an edge, like the CLI.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.bounded_replay import replay_bounded
from casebook.policies import load_policy
from casebook.role_processes import RoleProcesses, engine_for
from casebook.settings import Settings
from casebook.wiring import ROLES, Engine
from consumers.kafka_clients import assign_whole_topic, make_consumer, make_producer
from consumers.view_store import ViewStore
from tooling.bench.measures import parse_floor, peak_rss_kb


def floor(args: argparse.Namespace) -> dict[str, Any]:
    with args.input.open("rb") as history:
        cases = parse_floor(history)
    return {"cases": len(cases)}


def replay(args: argparse.Namespace) -> dict[str, Any]:
    """The analyst's replay as `casebook replay --json` runs it: bounded memory, report written."""
    settings = Settings()
    policy = load_policy(settings.policy_file)
    with args.input.open("rb") as history:
        result = replay_bounded(history, policy, hot_cases=settings.replay_hot_cases)
    with result, open(os.devnull, "w") as report:
        written = result.write_json(report)
    return {
        "lines": result.lines,
        "cases": written.cases,
        "rejected": written.rejected,
        "events": result.events,
    }


def engine(args: argparse.Namespace) -> dict[str, Any]:
    """`casebook run` (as configured: a process per role by default), timed until the views
    hold everything the history should put there (`--expect`), then stopped; without
    `--expect`, until idle. The engine runs on the main thread, as under the CLI (so its
    role processes are forked, not spawned); the views are watched from a thread started
    once they are."""
    settings = Settings()
    engine = engine_for(settings, args.role or ROLES)
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if args.expect is None:
        engine.run(until_idle=True)
    else:
        expected = json.loads(args.expect)
        stop = threading.Event()

        def watch() -> None:
            views = ViewStore(settings.stores())
            try:
                while not stop.wait(views_poll_s(time.perf_counter() - started)):
                    if all(views.counts()[key] == value for key, value in expected.items()):
                        result["seconds"] = time.perf_counter() - started
                        break
            finally:
                views.close()
                stop.set()

        watcher = threading.Thread(target=watch, name="bench-views", daemon=True)
        if isinstance(engine, RoleProcesses):
            engine.run(stop=stop, on_started=watcher.start)
        else:
            watcher.start()
            engine.run(stop=stop)
        watcher.join()
    if isinstance(engine, RoleProcesses):  # each role's process: its peak, and the largest
        peaks = {role: kb for role, kb in engine.peak_rss_kb.items() if kb is not None}
        result["role_peak_rss_kb"] = peaks
        # The engine's figure is its largest process (the supervisor or a role's).
        result["peak_rss_kb"] = max([peak_rss_kb(), *peaks.values()])
    return result


def rebuild(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    views = ViewStore(settings.stores())
    views.reset()
    views.close()
    Engine(settings, ("projections",)).run(until_idle=True)
    return {}


def passthrough(args: argparse.Namespace) -> dict[str, Any]:
    """Raw kafka-python: consume a topic, produce every record to another, nothing else."""
    settings = Settings()
    # Partitions assigned by hand: the floor is the data path, not group management (whose
    # rebalances kafka-python 3.0.12 sometimes leaves unfinished, which would stall it).
    consumer = make_consumer(settings.kafka(), None)
    producer = make_producer(settings.kafka())
    assign_whole_topic(consumer, args.source)
    copied = 0
    try:
        while copied < args.count:
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    producer.send(args.target, key=record.key, value=record.value)
                copied += len(records)
        producer.flush()
    finally:
        producer.close()
        consumer.close(autocommit=False)
    return {"records": copied}


def view_counts() -> dict[str, int]:
    """What the durable views hold (counted after the timer stops)."""
    views = ViewStore(Settings().stores())
    try:
        rows = views.sla_rows()
        return {
            "cases": len(rows),
            "events": sum(row.version for row in rows),
            "rejected": len(views.rejected()),
        }
    finally:
        views.close()


def views_poll_s(elapsed_s: float) -> float:
    """How long the watcher waits before counting the views again: 50 ms at first, then
    0.5 % of the time so far (at most 1 s), so the timing errs by at most 0.5 %.

    Counting reads every SLA and rejection row: at 1M messages, counting every 50 ms took
    a good part of a core from the engine it was timing (the bench ran on 2 cores).
    """
    return min(1.0, max(0.05, elapsed_s * VIEWS_POLL_SHARE))


VIEWS_POLL_SHARE = 0.005

MODES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "floor": floor,
    "replay": replay,
    "engine": engine,
    "rebuild": rebuild,
    "passthrough": passthrough,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tooling.bench.child")
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--input", type=Path, help="history file (floor, replay)")
    parser.add_argument("--role", choices=ROLES, action="append", help="engine roles")
    parser.add_argument("--source", help="passthrough: topic to read")
    parser.add_argument("--target", help="passthrough: topic to write")
    parser.add_argument("--group", help="passthrough: consumer group")
    parser.add_argument("--count", type=int, default=0, help="passthrough: records to copy")
    parser.add_argument(
        "--expect", help='engine: JSON view counts that mean done, e.g. {"cases": 3}'
    )
    parser.add_argument("--profile", type=Path, help="write cProfile stats here (.pstats, .txt)")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = MODES[args.mode]
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    counts = profiler.runcall(work, args) if profiler is not None else work(args)
    seconds = time.perf_counter() - started
    # A mode may time less than its whole call (the engine: until its views are complete,
    # not its shutdown).
    result = {"mode": args.mode, "seconds": seconds, "peak_rss_kb": peak_rss_kb(), **counts}
    if args.mode in ("engine", "rebuild"):
        result["views"] = view_counts()
    if profiler is not None:
        write_profile(profiler, args.profile)
        result["profiled"] = True
    return result


def write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """The raw stats (for `python -m pstats`) and the top 40 by own time and by cumulative."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path.with_suffix(".pstats")))
    text = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(40)
    path.with_suffix(".txt").write_text(text.getvalue())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = run(parse_args(sys.argv[1:] if argv is None else argv))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
