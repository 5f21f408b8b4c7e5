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


def measure_offline(history: Path, lines: int, phase: Phase) -> dict[str, Any]:
    """The parse floor and the replay of the same file, each in a fresh process."""
    floor = run_child("floor", phase.settings, "--input", str(history))
    replay = run_child(
        "replay", phase.settings, "--input", str(history), *phase.profile(f"replay-{lines}")
    )
    floor["msgs_per_s"] = rate(lines, floor["seconds"])
    replay["msgs_per_s"] = rate(lines, replay["seconds"])
    return {
        "floor": floor,
        "replay": replay,
        "replay_vs_floor": ratio(replay["msgs_per_s"], floor["msgs_per_s"]),
    }


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
