"""Per size: the offline replay against its parse floor, and the live engine against raw
kafka-python passthrough, then a rebuild of the views from the events topic."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casebook.bench.children import run_child
from casebook.bench.measures import rate, ratio
from casebook.publishing import publish_history
from casebook.settings import Settings
from consumers.topics import Topics, ensure_topics


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


def measure_offline(history: Path, lines: int, phase: Phase, repeats: int = 1) -> dict[str, Any]:
    """The parse floor and the replay of the same file, each in a fresh process, `repeats`
    times in turn (floor, replay, floor, replay, ...); each figure is the median run's.

    One pair of runs moved by a third when the shared machine slowed during one of them
    (replay/floor 0.13 at 100k in a run where 0.21 was usual): taking turns lets both meet
    the same weather, and the median drops one bad run of three. Every run's seconds are in
    `runs_s`; the peak RSS is the largest of the runs.
    """
    floors: list[dict[str, Any]] = []
    replays: list[dict[str, Any]] = []
    for attempt in range(repeats):
        floors.append(run_child("floor", phase.settings, "--input", str(history)))
        profile = phase.profile(f"replay-{lines}") if attempt == 0 else []
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
    history: Path, lines: int, phase: Phase, expected: dict[str, Any]
) -> dict[str, Any]:
    """Publish once, then copy it with raw kafka-python, then run the engine until the views
    hold the whole history."""
    settings = phase.settings
    started = time.perf_counter()
    with history.open("rb") as file:
        sent = publish_history(settings, file)
    published_s = time.perf_counter() - started
    source = Topics.from_settings(settings)
    target = ensure_topics(
        settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}passthrough."})
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
    engine = run_child(
        "engine", settings, "--expect", json.dumps(counts), *phase.profile(f"engine-{lines}")
    )
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
        "live_vs_passthrough": ratio(engine["msgs_per_s"], passthrough["msgs_per_s"]),
    }


def measure_rebuild(lines: int, phase: Phase) -> dict[str, Any]:
    """Drop the views and project them again from the events (and rejected) topics."""
    rebuild = run_child("rebuild", phase.settings)
    records = rebuild["views"]["events"] + rebuild["views"]["rejected"]
    rebuild["records"] = records
    rebuild["records_per_s"] = rate(records, rebuild["seconds"])
    rebuild["msgs_per_s"] = rate(lines, rebuild["seconds"])
    return rebuild
