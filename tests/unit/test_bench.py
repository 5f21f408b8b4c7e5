"""The bench's pure parts: the parse floor, percentiles, ratios, verdicts and the table."""

from __future__ import annotations

import argparse

import pytest

from tooling.bench.child import views_poll_s
from tooling.bench.cli import sizes
from tooling.bench.live import OFFLINE_REPEATS, Repeats, median_run
from tooling.bench.measures import growth, parse_floor, percentile, rate, ratio
from tooling.bench.table import render
from tooling.bench.targets import judge, rss_growth
from tooling.histories import generate_history


def test_the_parse_floor_groups_documents_by_case_and_skips_what_is_not_json() -> None:
    lines = [
        b'{"case_id": "C-1", "type": "opened"}\n',
        b"not json\n",
        b"\n",
        b'{"case_id": "C-1", "type": "responded"}\n',
        b'{"case_id": ["C-2"]}\n',
        b"[1, 2]\n",
    ]
    cases = parse_floor(lines)
    assert [d["type"] for d in cases["C-1"]] == ["opened", "responded"]
    assert len(cases[None]) == 2  # unhashable case id, and a document that is no object
    assert set(cases) == {"C-1", None}


def test_the_parse_floor_reads_a_generated_history_whole() -> None:
    cases = parse_floor(generate_history(2_000, seed=3))
    assert sum(len(documents) for documents in cases.values()) > 1_900  # a few are unreadable
    assert len(cases) > 100


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of the input does not matter


def test_a_percentile_of_nothing_is_none_and_out_of_range_is_refused() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_rates_ratios_and_growth_never_divide_by_zero() -> None:
    assert rate(1_000, 2.0) == 500.0
    assert rate(1_000, 0.0) is None
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None and ratio(1.0, 0.0) is None
    assert growth(100.0, 110.0) == pytest.approx(0.1)
    assert growth(0.0, 5.0) is None


def test_sizes_are_a_comma_separated_list_of_positive_integers() -> None:
    assert sizes("10000,100_000") == (10_000, 100_000)
    for bad in ("ten", "0", "10,-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            sizes(bad)


def figures(replay_vs_floor: float, rss_kb: int, live: float | None = None) -> dict[str, object]:
    result: dict[str, object] = {
        "replay_vs_floor": replay_vs_floor,
        "replay": {"msgs_per_s": 1.0, "peak_rss_kb": rss_kb},
        "floor": {"msgs_per_s": 2.0, "peak_rss_kb": rss_kb},
    }
    if live is not None:
        result["live"] = {"live_vs_passthrough": live, "engine": {"peak_rss_kb": rss_kb}}
    return result


def test_verdicts_judge_each_figure_against_its_target_and_missing_figures_fail() -> None:
    sizes_ = {"100000": figures(0.25, 100_000, live=0.1), "1000000": figures(0.19, 150_000)}
    verdicts = {v["name"]: v["met"] for v in judge(sizes_, {"rate": 1000.0, "p99_ms": None})}
    assert verdicts == {
        "replay/floor at 100000": True,
        "live/passthrough at 100000": False,
        "replay/floor at 1000000": False,
        "p99 publish->view at 1000 msg/s (ms)": False,
        "replay peak RSS growth 100000->1000000": False,
    }
    assert rss_growth(sizes_)["replay"] == pytest.approx(0.5)


def test_the_table_shows_every_size_and_dashes_for_what_was_not_measured() -> None:
    results = {"sizes": {"10000": figures(0.3, 2048)}, "targets": []}
    table = render(results)
    assert "| 10,000 |" in table and "0.300" in table
    assert "| - |" in table  # no live figures at this size


def test_the_views_are_counted_often_at_first_then_at_half_a_percent_of_the_time():
    assert views_poll_s(0.0) == 0.05
    assert views_poll_s(60.0) == 0.3  # a count late by at most 0.5 % of the time measured
    assert views_poll_s(3600.0) == 1.0


def test_median_run_is_the_middle_time_with_every_time_and_the_largest_peak() -> None:
    runs = [
        {"seconds": 3.0, "peak_rss_kb": 100, "lines": 10},
        {"seconds": 9.0, "peak_rss_kb": 300, "lines": 10},
        {"seconds": 4.0, "peak_rss_kb": 200, "lines": 10},
    ]
    chosen = median_run(runs)
    assert chosen["seconds"] == 4.0
    assert chosen["runs_s"] == [3.0, 9.0, 4.0]
    assert chosen["peak_rss_kb"] == 300
    assert runs[2] == {"seconds": 4.0, "peak_rss_kb": 200, "lines": 10}  # not changed


def test_median_run_of_an_even_count_is_the_slower_middle_one() -> None:
    assert median_run([{"seconds": 1.0}, {"seconds": 2.0}])["seconds"] == 2.0
    assert median_run([{"seconds": 5.0}])["runs_s"] == [5.0]


def test_repeats_take_at_least_the_least_then_spend_the_budget_up_to_the_most() -> None:
    repeats = Repeats(least=3, budget_s=10.0, most=5)
    assert repeats.again([])
    assert repeats.again([20.0, 20.0])  # under the least: again, however long they took
    assert not repeats.again([20.0, 20.0, 20.0])  # the least done, the budget spent
    assert repeats.again([1.0, 1.0, 1.0])  # 3 s of 10: again
    assert not repeats.again([1.0] * 5)  # the most
    assert not Repeats(least=1, budget_s=30.0, most=5).again([31.0])


def test_a_short_replay_is_measured_a_dozen_times_and_a_long_one_three() -> None:
    def runs(seconds: float) -> int:
        taken: list[float] = []
        while OFFLINE_REPEATS.again(taken):
            taken.append(seconds)
        return len(taken)

    assert runs(0.3) == OFFLINE_REPEATS.most
    assert runs(3.2) == 5
    assert runs(35.0) == OFFLINE_REPEATS.least


def test_a_postgres_phase_hands_its_database_to_the_children_and_the_table_shows_it() -> None:
    from pydantic import SecretStr

    from casebook.settings import Settings
    from tooling.bench.children import child_env

    settings = Settings(
        store="postgres", postgres_dbname="bench_x", postgres_password=SecretStr("pw")
    )
    env = child_env(settings)
    assert (env["CASEBOOK_STORE"], env["CASEBOOK_POSTGRES_DBNAME"]) == ("postgres", "bench_x")
    assert env["CASEBOOK_POSTGRES_PASSWORD"] == "pw"
    row = figures(0.3, 2048)
    row["live_postgres"] = {
        "passthrough": {"msgs_per_s": 8000.0},
        "engine": {"msgs_per_s": 2000.0},
        "live_vs_passthrough": 0.25,
    }
    table = render({"sizes": {"10000": row}, "targets": [], "brokers": 1, "store": "sqlite"})
    assert "PostgreSQL engine msg/s" in table and "| 2,000 |" in table and "0.250" in table
