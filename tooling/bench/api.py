"""`python -m tooling.bench.api`: the API's latency under a bounded local load.

A view of a generated history (20k cases by default) is filled through the same desk and
view store the engine uses, `casebook serve` is started on it (real uvicorn, real sockets),
and `--clients` threads ask for the SLA report's first page and a year's timeline as fast
as they are answered for `--seconds`, while one prober asks /health. The same probes are
first measured with no load: the ratios are against that baseline, taken in the same run.
Figures are printed and written as JSON; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.view_store import ViewStore
from domain.desk import Accepted, IntakeDesk
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from infra.process import free_port
from tooling.histories import generate_history

TOKEN = "bench-analyst-token-" + "0" * 24
ROUTES = {
    "health": "/health",
    "sla_first_page": "/api/sla?limit=100",
    "timeline_366_days": "/api/sla/timeline?days=366",
}
MESSAGES_PER_CASE = 10  # more than the generator writes per case: enough to reach --cases


def fill_views(settings: Settings, cases: int, seed: int) -> int:
    """Decide a generated history with the engine's desk into the view store; the cases."""
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    views = ViewStore(settings.stores())
    opened: set[str] = set()
    batch: list[Any] = []
    try:
        for offset, line in enumerate(generate_history(cases * MESSAGES_PER_CASE, seed)):
            outcome = desk.take(parse_message(line.rstrip(b"\n")))
            if isinstance(outcome, Accepted):
                opened.add(outcome.case.case_id)
                batch.extend(outcome.case.collect_events())
            if len(batch) >= 2000:
                views.apply_batch("bench.intake", 0, offset, batch, [])
                batch = []
            if len(opened) >= cases:
                break
        views.apply_batch("bench.intake", 0, offset, batch, [])
        return len(opened)
    finally:
        views.close()


@contextmanager
def serving(data_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "CASEBOOK_DATA_DIR": str(data_dir),
        "CASEBOOK_STORE": "sqlite",
        "CASEBOOK_API_TOKENS": json.dumps({TOKEN: "analyst"}),
    }
    command = [str(Path(sys.executable).parent / "casebook"), "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/health")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("casebook serve did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _get(url: str) -> float:
    """Seconds one GET took, its body read to the end."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - started


def _probe(base: str, path: str, until: float, seconds: list[float]) -> None:
    while time.monotonic() < until:
        seconds.append(_get(base + path))


def measure(base: str, loads: list[str], duration: float) -> dict[str, dict[str, float]]:
    """p50/p99 (ms) per route: one client per entry of `loads` (route names), /health probed."""
    until = time.monotonic() + duration
    samples: dict[str, list[float]] = {name: [] for name in ROUTES}
    clients = [("health", ROUTES["health"]), *((name, ROUTES[name]) for name in loads)]
    threads = [
        threading.Thread(target=_probe, args=(base, path, until, samples[name]))
        for name, path in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {name: _percentiles(values) for name, values in samples.items() if values}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8, help="threads loading the data routes")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=Path("bench-api.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="casebook-bench-api-") as scratch:
        data_dir = Path(scratch)
        cases = fill_views(Settings(data_dir=data_dir, store="sqlite"), args.cases, args.seed)
        heavy = [name for name in ROUTES if name != "health"]
        with serving(data_dir) as base:
            idle = measure(base, [], args.seconds / 4)  # /health alone
            for name in heavy:  # each data route with one client and nothing else
                idle[name] = measure(base, [name], args.seconds / 4)[name]
            load = [heavy[index % len(heavy)] for index in range(args.clients)]
            loaded = measure(base, load, args.seconds)
    results = {
        "cases": cases,
        "clients": args.clients,
        "seconds": args.seconds,
        "baseline_one_client": idle,
        "loaded": loaded,
        "health_p99_ratio": round(loaded["health"]["p99_ms"] / idle["health"]["p99_ms"], 2),
    }
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{cases} cases; {args.clients} clients for {args.seconds:.0f} s (baseline: one)")
    print(f"{'route':<20}{'baseline p50/p99 ms':>22}{'loaded p50/p99 ms':>22}{'requests':>10}")
    for name in ROUTES:
        base_row, load_row = idle.get(name, {}), loaded.get(name, {})
        print(
            f"{name:<20}{base_row.get('p50_ms', '-')!s:>11}/{base_row.get('p99_ms', '-')!s:<10}"
            f"{load_row.get('p50_ms', '-')!s:>11}/{load_row.get('p99_ms', '-')!s:<10}"
            f"{load_row.get('requests', 0):>10}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
