"""`casebook rebuild` drops the views and rebuilds them from the topics: equal row for row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casebook.settings import Settings
from tests.integration.engine_support import (
    assert_views_equal_replay,
    casebook,
    dump_views,
    publish,
    replay_file,
    run_until_idle,
    write_history,
)
from tooling.histories import generate_history


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_rebuild_equals_the_live_views_row_for_row(
    store: str, settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(store, partitions=3)
    history = tmp_path / "history.jsonl"
    write_history(history, generate_history(1500, seed=5))
    publish(settings, history)
    run_until_idle(settings)
    live = dump_views(settings)
    assert all(live.values()), "every view has rows before the rebuild"

    casebook(settings, "rebuild")

    assert dump_views(settings) == live
    assert_views_equal_replay(settings, replay_file(history))
