"""The live engine on a real broker gives the offline replay's answers, on SQLite and PostgreSQL.

The sample history is published to the intake topic and `casebook run --until-idle` takes it
through intake, the event store, the outbox relay and the projections. The views, read through
the CLI, must equal the replay report; a second run must change nothing; the rejected topic
must hold every rejected message once, byte for byte, with its reason and where it came from.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from casebook.cli import main as casebook_main
from casebook.settings import Settings
from tests.integration.engine_support import (
    SAMPLES,
    dump_views,
    header_map,
    publish,
    read_topic,
    rejected_multiset,
    replay_file,
    run_until_idle,
    settings_env,
    topics,
)

HISTORY = SAMPLES / "history-small.jsonl"


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def read_json(settings: Settings, *arguments: str) -> Any:
    """A read-only view command, in-process (one per case would cost a second each as a
    subprocess); the engine itself always runs as a separate process."""
    out = io.StringIO()
    with environment(settings_env(settings)), contextlib.redirect_stdout(out):
        assert casebook_main([*arguments, "--json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_sample_history_gives_the_replay_report(
    store: str, settings_factory: Callable[..., Settings]
) -> None:
    settings = settings_factory(store, partitions=3)
    expected = replay_file(HISTORY).report()
    lines = [line for line in HISTORY.read_bytes().splitlines() if line.strip()]

    assert publish(settings, HISTORY) == len(lines)
    run_until_idle(settings)

    # SLA, as of the replay's instant.
    shown = read_json(settings, "sla", "--as-of", expected["as_of"])
    assert shown == {"as_of": expected["as_of"], **expected["sla"]}
    # Every case's severity changes.
    for case_id, entry in expected["audit"].items():
        live = read_json(settings, "audit", case_id)
        assert live["severity_changes"] == entry["severity_changes"], case_id
    # Rejections: by identity where there is a message id, by count for unreadable lines.
    live_rejected = read_json(settings, "rejected")
    assert rejected_multiset(live_rejected) == rejected_multiset(expected["rejected"])
    assert all("source" in entry for entry in live_rejected if "message_id" not in entry)

    # A second run finds nothing to do and changes nothing.
    before = dump_views(settings)
    run_until_idle(settings)
    assert dump_views(settings) == before

    # The rejected topic: each rejected record once, its bytes and key kept, and why and whence.
    names = topics(settings)
    intake = {(r.partition, r.offset): r for r in read_topic(settings, names.intake)}
    dead = read_topic(settings, names.rejected)
    sources = Counter(
        (
            header_map(r)["casebook.source.topic"].decode(),
            int(header_map(r)["casebook.source.partition"]),
            int(header_map(r)["casebook.source.offset"]),
        )
        for r in dead
    )
    assert sum(sources.values()) == len(expected["rejected"])
    assert max(sources.values()) == 1, "a rejected message is on the rejected topic twice"
    reasons: Counter[str] = Counter()
    for record in dead:
        headers = header_map(record)
        source = intake[
            (int(headers["casebook.source.partition"]), int(headers["casebook.source.offset"]))
        ]
        assert headers["casebook.source.topic"].decode() == names.intake
        assert record.value == source.value
        assert record.key == source.key
        reasons[headers["casebook.reason"].decode()] += 1
    assert reasons == Counter(entry["reason"] for entry in expected["rejected"])
