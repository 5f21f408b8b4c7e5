"""A relay refuses to publish from a store that is behind what was published from it.

The store wiped (or swapped for another) while the topics were kept: the positions topic
says N entries were published, the new store holds fewer. Publishing "after N" would skip
every entry up to N without a word, so the relay stops with the reason instead.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.engine_support import SAMPLES, publish, run_casebook, run_until_idle


def test_a_relay_stops_with_the_reason_when_the_store_was_wiped(settings_factory):
    settings = settings_factory("sqlite")
    publish(settings, SAMPLES / "history-small.jsonl")
    run_until_idle(settings)
    for leftover in Path(settings.data_dir).glob("store.sqlite*"):
        leftover.unlink()
    relay_only = run_casebook(settings, "run", "--role", "relay", "--until-idle", timeout=120)
    assert relay_only.returncode != 0
    assert "replaced or wiped while the topics were kept" in relay_only.stderr
    assert "source holds none" in relay_only.stderr
