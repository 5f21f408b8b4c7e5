"""One bench run: a broker, a fresh run directory, every size, the latency, the results file."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from casebook.policies import BUSINESS_HOURS_EXAMPLE
from casebook.settings import Settings
from consumers.topics import delete_topics_under
from infra.kafka.broker import LocalBroker
from infra.kafka.cluster import LocalCluster
from tooling.bench.latency import measure_latency
from tooling.bench.live import (
    OFFLINE_REPEATS,
    Phase,
    measure_live,
    measure_offline,
    measure_rebuild,
    phase_settings,
)
from tooling.bench.machine import describe_machine
from tooling.bench.stores import PostgresStores, postgres_stores
from tooling.bench.targets import judge, rss_growth
from tooling.histories import generate_history
from tooling.histories.business import business_history

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    sizes: tuple[int, ...] = (10_000, 100_000)
    seed: int = 20260105
    output: Path = Path("bench-results.json")
    live: bool = True
    live_max_size: int | None = None  # larger sizes get the offline figures only
    rebuild: bool = True
    latency: bool = True
    latency_rate: float = 1000.0
    latency_messages: int = 20_000
    latency_sample_every: int = 5
    profile_dir: Path | None = None
    offline_repeats: int = 3
    external_broker: bool = False
    brokers: int = 1  # > 1: a local KRaft cluster of that many nodes, replication 3
    postgres: bool = False  # also the live engine on the PostgreSQL store, beside SQLite
    keep_data: bool = False
    command: str = ""
    business_cases: int = 2_000  # SLA v2: a business-hours history's replay (0: skipped)

    def live_at(self, size: int) -> bool:
        return self.live and (self.live_max_size is None or size <= self.live_max_size)


def run_bench(settings: Settings, options: BenchOptions, progress: Progress) -> dict[str, Any]:
    run_id = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    run_dir = Path(settings.data_dir).resolve() / "bench" / run_id
    results: dict[str, Any] = {
        "run_id": run_id,
        "command": options.command,
        "seed": options.seed,
        "store": settings.store,
        "machine": describe_machine(),
        "sizes": {},
    }
    needs_broker = options.latency or any(options.live_at(size) for size in options.sizes)
    try:
        with broker(settings, options, progress, needs_broker) as base, ExitStack() as stack:
            results["kafka_bootstrap"] = base.kafka_bootstrap
            results["brokers"] = len(base.kafka_bootstrap.split(","))
            postgres = None
            if options.postgres and any(options.live_at(size) for size in options.sizes):
                postgres = stack.enter_context(postgres_stores(settings, progress))
            for size in options.sizes:
                results["sizes"][str(size)] = measure_size(
                    base, options, run_id, run_dir, size, progress, postgres
                )
            if options.business_cases:
                progress(f"business hours: {options.business_cases} cases under the SLA v2 example")
                results["business"] = measure_business(base, options, run_id, run_dir)
            if options.latency:
                progress(
                    f"latency: {options.latency_messages} messages at {options.latency_rate:.0f}/s"
                )
                lines = list(generate_history(options.latency_messages, options.seed))
                latency_settings = phase_settings(base, run_id, "latency", run_dir)
                try:
                    results["latency"] = measure_latency(
                        latency_settings, lines, options.latency_rate, options.latency_sample_every
                    )
                finally:
                    drop_topics(latency_settings, options)
    finally:
        if not options.keep_data:
            shutil.rmtree(run_dir, ignore_errors=True)
    results["rss_growth"] = rss_growth(results["sizes"])
    results["targets"] = judge(results["sizes"], results.get("latency"))
    options.output.write_text(json.dumps(results, indent=1) + "\n")
    return results


def measure_size(
    base: Settings,
    options: BenchOptions,
    run_id: str,
    run_dir: Path,
    size: int,
    progress: Progress,
    postgres: PostgresStores | None = None,
) -> dict[str, Any]:
    settings = phase_settings(base, run_id, f"n{size}", run_dir)
    current = Phase(settings, options.profile_dir)
    history = write_history(run_dir / f"history-{size}.jsonl", size, options.seed)
    progress(f"{size}: parse floor and offline replay")
    offline = replace(OFFLINE_REPEATS, least=options.offline_repeats)
    figures = measure_offline(history, size, current, offline)
    if options.live_at(size):
        progress(
            f"{size}: publish, raw kafka-python passthrough, engine until the views are complete"
        )
        expected = {key: figures["replay"][key] for key in ("cases", "events", "rejected")}
        try:
            figures["live"], last = measure_live(history, size, current, expected)
            if options.rebuild:
                progress(f"{size}: rebuild of the views from the events topic")
                figures["rebuild"] = measure_rebuild(size, last)
            if postgres is not None:
                progress(f"{size}: the same on the PostgreSQL store")
                pg_phase = Phase(
                    phase_settings(base, run_id, f"n{size}pg", run_dir), options.profile_dir
                )
                try:
                    figures["live_postgres"], _ = measure_live(
                        history, size, pg_phase, expected, fresh_store=postgres.fresh
                    )
                finally:
                    drop_topics(pg_phase.settings, options)
        finally:
            drop_topics(settings, options)
    history.unlink()
    return figures


def measure_business(
    base: Settings, options: BenchOptions, run_id: str, run_dir: Path
) -> dict[str, Any]:
    """The offline replay of a business-hours history (replies, waits, reopenings across
    DST changes) under the SLA v2 example policy, against its parse floor."""
    settings = phase_settings(base, run_id, "business", run_dir).model_copy(
        update={"policy_file": BUSINESS_HOURS_EXAMPLE}
    )
    lines = business_history(options.business_cases, options.seed)
    history = run_dir / "history-business.jsonl"
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_bytes(b"\n".join(lines) + b"\n")
    offline = replace(OFFLINE_REPEATS, least=options.offline_repeats)
    figures = measure_offline(history, len(lines), Phase(settings, options.profile_dir), offline)
    history.unlink()
    return {"cases": options.business_cases, "messages": len(lines), **figures}


def drop_topics(phase: Settings, options: BenchOptions) -> None:
    """Delete a phase's topics (the passthrough's too: they share the prefix) unless the data
    is kept: the broker the next phases and runs measure does not carry them (the bench's
    local broker had gathered 3,000 partitions over a day of runs)."""
    if not options.keep_data:
        delete_topics_under(phase.kafka(), phase.topic_prefix)


def write_history(path: Path, size: int, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.writelines(generate_history(size, seed))
    return path


@contextmanager
def broker(
    settings: Settings, options: BenchOptions, progress: Progress, needed: bool
) -> Iterator[Settings]:
    """The settings to measure with: the configured broker, or the local one or local cluster
    (`casebook broker start [--nodes N]` semantics: adopted if it runs, else started, and
    then stopped again at the end)."""
    if not needed or options.external_broker:
        yield settings
        return
    local: LocalBroker | LocalCluster
    if options.brokers > 1:
        local = LocalCluster(
            data_dir=Path(settings.data_dir) / "kafka-cluster",
            port=settings.kafka_port,
            controller_port=settings.kafka_controller_port,
            cache_dir=Path(settings.data_dir) / "cache",
            nodes=options.brokers,
        )
        what = f"local Kafka cluster of {options.brokers} nodes"
    else:
        local = LocalBroker(
            data_dir=Path(settings.data_dir) / "kafka",
            port=settings.kafka_port,
            controller_port=settings.kafka_controller_port,
            cache_dir=Path(settings.data_dir) / "cache",
        )
        what = "local Kafka broker"
    started_here = not local.is_running()
    progress(f"starting the {what}" if started_here else f"using the {what}")
    bootstrap = local.start()
    try:
        yield settings.model_copy(update={"kafka_bootstrap": bootstrap})
    finally:
        if started_here:
            local.stop()
