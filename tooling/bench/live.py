"""Per size: the offline replay against its parse floor, and the live engine against raw
kafka-python passthrough, then a rebuild of the views from the events topic."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from casebook.settings import Settings
from consumers.publishing import publish_history
from consumers.topics import Topics, ensure_topics
from tooling.bench.children import run_child
from tooling.bench.measures import rate, ratio


@dataclass(frozen=True)
class Phase:
    """One measured phase: its own topic prefix and its own data dir, never shared."""

    settings: Settings
    profile_dir: Path | None = None

    def profile(self, name: str) -> list[str]:
        if self.profile_dir is None:
            return []
        return ["--profile", str(self.profile_dir / f"{name}.txt")]


def phase_settings(base: Settings, run_id: str, name: str, run_dir: Path) -> Settings:
    return base.model_copy(
        update={"topic_prefix": f"bench-{run_id}-{name}.", "data_dir": run_dir / name}
    )


@dataclass(frozen=True)
class Repeats:
    """How often to measure a figure: at least `least` times, and again while the runs so
    far took less than `budget_s` in all, up to `most` times.

    This machine's speed moves from minute to minute (the same 10k replay took 0.26 to
    0.42 s in fresh processes run back to back): a short measurement taken three times
    kept that noise in its median; taken until a few seconds are spent, the median of a
    dozen holds. A long one (1M messages) is already an average over minutes.
    """

    least: int = 3
    budget_s: float = 15.0
    most: int = 15

    def again(self, runs_s: list[float]) -> bool:
        done = len(runs_s)
        return done < self.least or (done < self.most and sum(runs_s) < self.budget_s)


OFFLINE_REPEATS = Repeats()
LIVE_REPEATS = Repeats(least=1, budget_s=30.0, most=5)


def measure_offline(
    history: Path, lines: int, phase: Phase, repeats: Repeats = OFFLINE_REPEATS
) -> dict[str, Any]:
    """The parse floor and the replay of the same file, each in a fresh process, in turn
    (floor, replay, floor, replay, ...) as often as `repeats` says; each figure is the
    median run's.

    One pair of runs moved by a third when the shared machine slowed during one of them
    (replay/floor 0.13 at 100k in a run where 0.21 was usual): taking turns lets both meet
    the same weather, and the median drops the bad runs. Every run's seconds are in
    `runs_s`; the peak RSS is the largest of the runs.
    """
    floors: list[dict[str, Any]] = []
    replays: list[dict[str, Any]] = []
    while repeats.again([run["seconds"] for run in replays]):
        floors.append(run_child("floor", phase.settings, "--input", str(history)))
        profile = phase.profile(f"replay-{lines}") if not replays else []
        replays.append(run_child("replay", phase.settings, "--input", str(history), *profile))
    floor = median_run(floors)
    replay = median_run(replays)
    floor["msgs_per_s"] = rate(lines, floor["seconds"])
    replay["msgs_per_s"] = rate(lines, replay["seconds"])
    return {
        "floor": floor,
        "replay": replay,
        "replay_vs_floor": ratio(replay["msgs_per_s"], floor["msgs_per_s"]),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (the slower middle one for an even count), with every run's
    seconds and the largest peak RSS of them all."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["runs_s"] = [run["seconds"] for run in runs]
    peaks = [run["peak_rss_kb"] for run in runs if run.get("peak_rss_kb") is not None]
    if peaks:
        chosen["peak_rss_kb"] = max(peaks)
    return chosen


def measure_live(
    history: Path,
    lines: int,
    phase: Phase,
    expected: dict[str, Any],
    repeats: Repeats = LIVE_REPEATS,
    fresh_store: Callable[[Settings], Settings] | None = None,
) -> tuple[dict[str, Any], Phase]:
    """Publish, copy with raw kafka-python, run the engine until the views hold the whole
    history; as often as `repeats` says (each time on topics and a data dir of its own),
    the median passthrough and the median engine counting. Returns the figures and the
    phase of the last run (whose events topic the rebuild reads). `fresh_store` gives each
    run a store of its own beyond the data dir (a PostgreSQL database)."""
    runs: list[dict[str, Any]] = []
    current = phase
    while repeats.again([run["engine"]["seconds"] for run in runs]):
        settings = phase.settings.model_copy(
            update={
                "topic_prefix": f"{phase.settings.topic_prefix}r{len(runs)}.",
                "data_dir": Path(phase.settings.data_dir) / f"r{len(runs)}",
            }
        )
        if fresh_store is not None:
            settings = fresh_store(settings)
        current = replace(phase, settings=settings)
        runs.append(live_run(history, lines, current, expected, profile=not runs))
    passthrough = median_run([run["passthrough"] for run in runs])
    engine = median_run([run["engine"] for run in runs])
    engine["views_complete"] = all(run["engine"]["views_complete"] for run in runs)
    published = runs[-1]["published"]
    return {
        "published": published,
        "passthrough": passthrough,
        "engine": engine,
        "live_vs_passthrough": ratio(engine["msgs_per_s"], passthrough["msgs_per_s"]),
    }, current


def live_run(
    history: Path, lines: int, phase: Phase, expected: dict[str, Any], profile: bool
) -> dict[str, Any]:
    """One publish, passthrough and engine run on the phase's own topics."""
    settings = phase.settings
    started = time.perf_counter()
    with history.open("rb") as file:
        sent = publish_history(settings.kafka(), file)
    published_s = time.perf_counter() - started
    source = Topics.named(settings.kafka())
    target = ensure_topics(
        settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}passthrough."}).kafka()
    )
    passthrough = run_child(
        "passthrough",
        settings,
        "--source",
        source.intake,
        "--target",
        target.intake,
        "--group",
        f"{settings.topic_prefix}passthrough",
        "--count",
        str(sent),
    )
    passthrough["msgs_per_s"] = rate(sent, passthrough["seconds"])
    # Timed until the views hold every case, event and rejection the history should give.
    counts = {key: expected[key] for key in ("cases", "events", "rejected")}
    profiling = phase.profile(f"engine-{lines}") if profile else []
    engine = run_child("engine", settings, "--expect", json.dumps(counts), *profiling)
    engine["msgs_per_s"] = rate(sent, engine["seconds"])
    engine["views_complete"] = all(
        engine["views"][key] == expected[key] for key in ("cases", "events", "rejected")
    )
    return {
        "published": {
            "messages": sent,
            "seconds": published_s,
            "msgs_per_s": rate(sent, published_s),
        },
        "passthrough": passthrough,
        "engine": engine,
    }


def measure_rebuild(lines: int, phase: Phase) -> dict[str, Any]:
    """Drop the views and project them again from the events (and rejected) topics."""
    rebuild = run_child("rebuild", phase.settings)
    records = rebuild["views"]["events"] + rebuild["views"]["rejected"]
    rebuild["records"] = records
    rebuild["records_per_s"] = rate(records, rebuild["seconds"])
    rebuild["msgs_per_s"] = rate(lines, rebuild["seconds"])
    return rebuild
