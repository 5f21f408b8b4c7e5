"""`casebook bench`: throughput, latency and memory of the replay and the live engine."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from casebook.settings import Settings
from infra.kafka.assembly import AssemblyError
from infra.kafka.broker import BrokerError
from tooling.bench.children import BenchError
from tooling.bench.runner import BenchOptions, run_bench
from tooling.bench.table import render


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure replay and live throughput, publish->view latency, peak RSS"
    )
    parser.add_argument(
        "--sizes",
        type=sizes,
        default=(10_000, 100_000),
        help="history sizes (default 10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=BenchOptions.seed, help="history seed")
    parser.add_argument(
        "--output", type=Path, default=BenchOptions.output, help="results JSON file"
    )
    parser.add_argument("--skip-live", action="store_true", help="offline replay figures only")
    parser.add_argument(
        "--business-cases",
        type=int,
        default=BenchOptions.business_cases,
        help="cases of the business-hours (SLA v2) replay figure; 0 skips it",
    )
    parser.add_argument(
        "--live-max-size", type=int, default=None, help="larger sizes get offline figures only"
    )
    parser.add_argument("--skip-rebuild", action="store_true", help="no rebuild of the views")
    parser.add_argument("--skip-latency", action="store_true", help="no publish->view latency")
    parser.add_argument("--latency-rate", type=float, default=BenchOptions.latency_rate)
    parser.add_argument(
        "--latency-messages",
        type=int,
        default=BenchOptions.latency_messages,
        help="messages published at the steady rate",
    )
    parser.add_argument(
        "--latency-sample-every",
        type=int,
        default=BenchOptions.latency_sample_every,
        help="watch every Nth eligible message",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="cProfile the replay and engine children into DIR (slows them: not for figures)",
    )
    parser.add_argument(
        "--offline-repeats",
        type=int,
        default=BenchOptions.offline_repeats,
        help="floor and replay runs per size at least, in turn (more while they took under "
        "15 s in all, up to 15); the median counts",
    )
    parser.add_argument(
        "--external-broker",
        action="store_true",
        help="use CASEBOOK_KAFKA_BOOTSTRAP as is instead of starting the local broker",
    )
    parser.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="live figures on a local KRaft cluster of this many nodes (topics replicated 3,"
        " min ISR 2; `casebook broker start --nodes N`), passthrough on the same cluster",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also measure the live engine on the PostgreSQL store (the local server, a fresh"
        " database per run), beside SQLite in the same run",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the run's data dir")
    parser.set_defaults(handler=run)


def sizes(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part.replace("_", "")) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text}") from error
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return values


def run(args: argparse.Namespace) -> int:
    options = BenchOptions(
        sizes=args.sizes,
        seed=args.seed,
        output=args.output,
        live=not args.skip_live,
        live_max_size=args.live_max_size,
        rebuild=not args.skip_rebuild,
        latency=not (args.skip_latency or args.skip_live),
        latency_rate=args.latency_rate,
        latency_messages=args.latency_messages,
        latency_sample_every=args.latency_sample_every,
        profile_dir=args.profile,
        offline_repeats=args.offline_repeats,
        external_broker=args.external_broker,
        brokers=args.brokers,
        postgres=args.postgres,
        keep_data=args.keep_data,
        business_cases=args.business_cases,
        command=shlex.join(["casebook", *sys.argv[1:]]),
    )
    try:
        results = run_bench(Settings(), options, lambda note: print(note, file=sys.stderr))
    except (BenchError, BrokerError, AssemblyError, TimeoutError) as error:
        print(f"casebook bench: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(render(results))
    print(f"\nresults written to {options.output}")
    return 0
