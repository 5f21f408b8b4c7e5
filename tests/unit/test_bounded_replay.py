"""The bounded replay gives the in-memory replay's report, byte for byte, however few cases
it keeps in memory; and it leaves nothing behind."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analysis.bounded_replay import replay_bounded
from analysis.json_stream import encode
from analysis.replay import replay_history
from analysis.spill import hot_cases as hot_cases_module
from analysis.spill import rejections as rejections_module
from analysis.spill import seen
from analysis.spill.scratch import ScratchDatabase
from analysis.spill.seen import BloomFilter, SpilledLedger
from casebook.cli import main
from casebook.cli.replay import render_summary, stream_summary
from casebook.policies import load_policy
from tests.business_support import EXAMPLE, EXAMPLE_POLICY
from tooling.histories import build_history
from tooling.histories.business import business_history

from .support import line, opened, proposed, responded

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = [ROOT / "samples/history-small.jsonl", Path("/work/shared/samples/history-small.jsonl")]
POLICY = load_policy()


def reference_json(lines: list[bytes], as_of: datetime | None) -> str:
    text = io.StringIO()
    json.dump(replay_history(lines, POLICY).report(as_of), text, indent=1)
    return text.getvalue()


def instants(lines: list[bytes]) -> list[datetime | None]:
    """The default T, before the first message, inside the history, and after it all."""
    latest = replay_history(lines, POLICY).latest_at
    assert latest is not None
    return [
        None,
        datetime(2000, 1, 1, tzinfo=latest.tzinfo),
        latest - timedelta(days=2),
        latest - timedelta(hours=7, seconds=1),
        latest + timedelta(days=400),
    ]


def golden_lines() -> Iterator[list[bytes]]:
    for path in GOLDEN:
        if path.exists():
            yield path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("hot_cases", [1, 3, 50, 4096])
def test_the_golden_sample_gives_the_same_json_at_every_instant(
    hot_cases: int, tmp_path: Path
) -> None:
    samples = list(golden_lines())
    assert samples, "no golden sample found"
    for lines in samples:
        with replay_bounded(lines, POLICY, hot_cases=hot_cases, scratch_dir=tmp_path) as replay:
            for as_of in instants(lines):
                written = io.StringIO()
                replay.write_json(written, as_of)
                assert written.getvalue() == reference_json(lines, as_of), as_of


@pytest.mark.parametrize(("messages", "seed"), [(3000, 1), (6000, 20260105), (2500, 42)])
@pytest.mark.parametrize("hot_cases", [3, 50])
def test_generated_histories_give_the_same_report_with_cases_evicted_and_reloaded(
    messages: int, seed: int, hot_cases: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hot_cases_module, "BATCH", 2)  # evicted cases reach the file at once
    if hot_cases == 3:  # ids and refusals in the file too (else they stay in memory)
        monkeypatch.setattr(seen, "BATCH", 5)
        monkeypatch.setattr(rejections_module, "BATCH", 7)
    history = build_history(messages, seed)
    lines = list(history.lines)
    reference = replay_history(lines, POLICY)
    with replay_bounded(lines, POLICY, hot_cases=hot_cases, scratch_dir=tmp_path) as replay:
        assert replay.reloaded > 0, "the hot set never overflowed: the test proves nothing"
        assert (replay.lines, replay.latest_at) == (reference.lines, reference.latest_at)
        for as_of in instants(lines):
            assert replay.report(as_of) == reference.report(as_of), as_of
            written = io.StringIO()
            counts = replay.write_json(written, as_of)
            expected = reference_json(lines, as_of)
            assert written.getvalue() == expected, as_of
            assert counts.cases == len(json.loads(expected)["sla"]["cases"])
            assert counts.rejected == len(json.loads(expected)["rejected"])
            assert "".join(stream_summary(replay, as_of)) == render_summary(reference.report(as_of))


@pytest.mark.parametrize(("cases", "seed"), [(120, 3), (60, 20261208)])
@pytest.mark.parametrize("hot_cases", [2, 12])
def test_a_business_hours_history_gives_the_same_metrics_with_cases_evicted_and_reloaded(
    cases: int, seed: int, hot_cases: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SLA v2: each evicted case takes its metrics timeline to the file and back; the
    streamed `metrics` section and the summary's metric tables equal the in-memory ones."""
    monkeypatch.setattr(hot_cases_module, "BATCH", 2)
    lines = business_history(cases, seed)
    reference = replay_history(lines, EXAMPLE_POLICY)
    latest = reference.latest_at
    assert latest is not None
    with replay_bounded(lines, EXAMPLE_POLICY, hot_cases=hot_cases, scratch_dir=tmp_path) as replay:
        assert replay.reloaded > 0, "the hot set never overflowed: the test proves nothing"
        # bounded: only the hot cases' timelines stayed in memory, the rest are in the file
        assert len(replay._resident.timelines) <= hot_cases
        for as_of in [None, latest - timedelta(days=20), latest - timedelta(hours=30)]:
            expected = reference.report(as_of)
            assert set(expected["metrics"]) == {"next_response", "resolution"}
            assert expected["metrics"]["resolution"]["cases"], "no case measured"
            assert replay.report(as_of) == expected, as_of
            written, text = io.StringIO(), io.StringIO()
            replay.write_json(written, as_of)
            json.dump(expected, text, indent=1)
            assert written.getvalue() == text.getvalue(), as_of
            assert "".join(stream_summary(replay, as_of)) == render_summary(expected)


def test_the_command_replays_a_business_hours_history_in_bounded_memory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASEBOOK_REPLAY_HOT_CASES", "3")
    history = tmp_path / "business.jsonl"
    history.write_bytes(b"\n".join(business_history(50, 11)) + b"\n")
    reference = replay_history(history.read_bytes().splitlines(), EXAMPLE_POLICY).report()
    args = ["replay", "--input", str(history), "--policy", str(EXAMPLE)]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == reference
    assert main(args) == 0
    summary = capsys.readouterr().out
    assert summary == render_summary(reference)
    assert "Next response (cycles)" in summary and "Resolution (cases)" in summary


def test_a_duplicate_far_behind_its_first_copy_is_still_dropped_after_eviction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seen, "BATCH", 2)  # the first copy's id is on disk, not in a batch
    opening, first_response = opened(message_id="m-open"), responded(30, message_id="m-answer")
    others = [opened(m, case_id=f"C-other-{m}", message_id=f"m-open-{m}") for m in range(1, 40)]
    history = [
        line(opening),
        line(first_response),
        *map(line, others),
        line(opening),  # duplicates: taken again, the opening would be refused (case_exists)
        line(first_response),
        line(proposed(200, 3, message_id="m-late")),  # C-1 comes back from the file
    ]
    monkeypatch.setattr(hot_cases_module, "BATCH", 2)
    with replay_bounded(history, POLICY, hot_cases=2, scratch_dir=tmp_path) as replay:
        report = replay.report()
        assert replay.reloaded >= 1
    assert report == replay_history(history, POLICY).report()
    assert report["rejected"] == []
    changes = report["audit"]["C-1"]["severity_changes"]
    assert [c["proposal_id"] for c in changes] == ["m-late"]
    first = next(c for c in report["sla"]["cases"] if c["case_id"] == "C-1")
    assert first["first_response_at"] == "2026-09-01T12:30:00Z"


def test_the_scratch_folder_is_gone_after_the_report_and_after_a_failure(tmp_path: Path) -> None:
    lines = build_history(500, 3).lines
    with replay_bounded(lines, POLICY, hot_cases=3, scratch_dir=tmp_path) as replay:
        assert len(list(tmp_path.iterdir())) == 1
        replay.write_json(io.StringIO())
    assert list(tmp_path.iterdir()) == []

    def broken() -> Iterator[bytes]:
        yield from lines[:100]
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="went away"):
        replay_bounded(broken(), POLICY, hot_cases=3, scratch_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_command_prints_the_reference_json_and_summary_byte_for_byte(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASEBOOK_REPLAY_HOT_CASES", "3")
    history = tmp_path / "history.jsonl"
    history.write_bytes(b"".join(build_history(2000, 9).lines))
    lines = history.read_bytes().splitlines(keepends=True)
    for as_of in ("2026-01-06T12:00:00Z", None):
        args = ["replay", "--input", str(history)] + (["--as-of", as_of] if as_of else [])
        instant = datetime.fromisoformat(as_of.replace("Z", "+00:00")) if as_of else None
        assert main([*args, "--json"]) == 0
        assert capsys.readouterr().out == reference_json(lines, instant) + "\n"
        assert main(args) == 0
        expected = render_summary(replay_history(lines, POLICY).report(instant))
        assert capsys.readouterr().out == expected


def test_a_ledger_whose_filter_says_maybe_to_everything_still_answers_right() -> None:
    with ScratchDatabase() as scratch:
        ledger = SpilledLedger(scratch, filter_bits=8)
        noted = [f"m-{n}" for n in range(5000)]
        for message_id in noted:
            assert not ledger.has_seen(message_id)
            ledger.note(message_id, "C-1", None)
        assert all(ledger.has_seen(m) for m in noted)
        assert not any(ledger.has_seen(f"x-{n}") for n in range(5000))


def test_a_ledger_answers_right_whether_or_not_an_id_was_asked_about_before_it_was_noted() -> None:
    with ScratchDatabase() as scratch:
        ledger = SpilledLedger(scratch)
        ledger.note("m-unasked", None, None)  # noted without asking first
        assert ledger.has_seen("m-unasked")
        assert not ledger.has_seen("m-asked-only")  # asked, found new, never noted
        assert not ledger.has_seen("m-asked-only")
        assert not ledger.has_seen("m-1")
        ledger.note("m-1", "C-1", None)
        ledger.flush()
        assert ledger.has_seen("m-1") and ledger.has_seen("m-unasked")


def test_a_ledger_whose_filter_grows_forgets_no_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen, "FIRST_FILTER_BITS", 64)
    monkeypatch.setattr(seen, "BATCH", 3)
    with ScratchDatabase() as scratch:
        ledger = SpilledLedger(scratch, filter_bits=1 << 12)
        noted = [f"m-{n}" for n in range(3000)]
        sizes = set()
        for number, message_id in enumerate(noted):
            assert not ledger.has_seen(message_id)
            ledger.note(message_id, "C-1", None)
            assert ledger.has_seen(noted[number // 2])
            sizes.add(ledger.filter_bits)
        assert sizes == {64, 512, 4096}  # grown twice, up to the largest
        assert all(ledger.has_seen(m) for m in noted)
        assert sum(ledger.has_seen(f"x-{n}") for n in range(3000)) == 0


def test_the_bloom_filter_never_forgets_a_key() -> None:
    bloom = BloomFilter(1 << 12)
    keys = [f"key-{n}" for n in range(2000)]
    for key in keys:
        bloom.add(key)
    assert all(key in bloom for key in keys)
    assert sum(f"other-{n}" in bloom for n in range(2000)) < 2000
    assert not any(bloom.add_new(key) for key in keys)
    fresh = [f"fresh-{n}" for n in range(200)]
    assert sum(bloom.add_new(key) for key in fresh) > 100
    assert all(key in bloom for key in fresh)
    with pytest.raises(ValueError):
        BloomFilter(1000)


ODD_VALUES: list[Any] = [
    {},
    [],
    {"a": {}, "b": [], "c": [[]], "d": [{}]},
    {"é": '\u2028 \n "q" \\', "n": None, "t": True, "f": 1.0 / 3, "i": -7},
    [1, [2, [3, {"x": [4.5e-300, 1e300]}]], "s"],
    [{"severity_changes": []}, {"severity_changes": [{"from": 2, "to": 3, "by": None}]}],
    "top",
    3,
]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize("level", [0, 1, 3])
def test_encode_is_json_dumps_with_indent_one_at_any_depth(value: Any, level: int) -> None:
    nested: Any = value
    for _ in range(level):
        nested = [nested]
    expected = json.dumps(nested, indent=1)
    inner = expected
    for depth in range(level):
        inner = inner[len("[\n" + " " * (depth + 1)) : -len("\n" + " " * depth + "]")]
    assert encode(value, level) == inner
