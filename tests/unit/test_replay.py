"""The analyst's replay: the golden sample through the real command, and the report's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.bounded_replay import replay_bounded
from analysis.replay import replay_history
from casebook.cli import main
from casebook.policies import load_policy
from domain import case as case_module
from tooling.histories import build_history

from .support import (
    POLICY,
    Message,
    closed,
    contract_fields,
    instant,
    line,
    opened,
    proposed,
    replay,
    report,
    responded,
    stamp,
)

SAMPLES = Path("/work/shared/samples")
HISTORY = SAMPLES / "history-small.jsonl"
GOLDEN = SAMPLES / "history-small.report.json"
ROOT = Path(__file__).resolve().parents[2]
CASEBOOK = Path(sys.executable).with_name("casebook")


def test_the_golden_sample_replays_to_its_report_through_the_command() -> None:
    done = subprocess.run(
        [str(CASEBOOK), "replay", "--input", str(HISTORY), "--json"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    produced = json.loads(done.stdout)
    expected = json.loads(GOLDEN.read_text())
    assert contract_fields(produced) == contract_fields(expected)
    # the sample exercises what it should: duplicates, unreadable lines, a developer, caps
    assert {"line": 30, "reason": "invalid_message"} in produced["rejected"]
    assert any(c["requested_severity"] != c["sla_severity"] for c in produced["sla"]["cases"])


def test_the_command_accepts_as_of_and_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text((ROOT / "casebook/policies/default.json").read_text())
    code = main(
        [
            "replay",
            "--input",
            str(HISTORY),
            "--json",
            "--as-of",
            "2026-09-05T00:00:00Z",
            "--policy",
            str(policy),
        ]
    )
    assert code == 0
    produced = json.loads(capsys.readouterr().out)
    assert produced["as_of"] == "2026-09-05T00:00:00Z"
    assert all(c["opened_at"] <= "2026-09-05T00:00:00Z" for c in produced["sla"]["cases"])
    assert produced["sla"]["total"]["opened"] == 5


def test_a_missing_input_file_is_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", "--input", str(tmp_path / "nope.jsonl"), "--json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_t_defaults_to_the_latest_at_among_valid_messages() -> None:
    late_but_invalid = responded(500)
    late_but_invalid["severity"] = "2"
    late_but_invalid["type"] = "severity.proposed"
    history = [opened(), responded(30), late_but_invalid, opened(10, case_id="C-2")]
    assert report(history)["as_of"] == "2026-09-01T12:30:00Z"


def test_a_duplicate_does_not_move_the_default_t() -> None:
    """A message seen before has no second effect, so a later-dated copy of it is no later
    valid message: the case opened at 12:00 (due 18:00) is pending, not breached."""
    first = opened(0, message_id="m-open")
    late_copy = opened(24 * 60, message_id="m-open")
    rejected_once = responded(60, case_id="C-none", message_id="m-unknown")
    rejected_again = responded(48 * 60, case_id="C-none", message_id="m-unknown")
    result = report([first, late_copy, rejected_once, rejected_again])
    assert result["as_of"] == "2026-09-01T13:00:00Z"
    assert [case["status"] for case in result["sla"]["cases"]] == ["pending"]
    assert [entry["reason"] for entry in result["rejected"]] == ["unknown_case"]


@pytest.mark.parametrize(
    "far_at", ["9999-12-31T23:00:00Z", "0001-01-01T00:30:00+01:00", "1767265200"]
)
def test_an_at_the_engine_cannot_compute_with_is_rejected_not_a_crash(far_at: str) -> None:
    far = opened(0, case_id="C-far", message_id="m-far", severity=4)
    far["at"] = far_at
    result = report([opened(), far, responded(30)])
    assert result["rejected"] == [
        {"message_id": "m-far", "case_id": "C-far", "reason": "invalid_message"}
    ]
    assert [case["case_id"] for case in result["sla"]["cases"]] == ["C-1"]
    assert result["as_of"] == "2026-09-01T12:30:00Z"


def test_rejected_messages_are_listed_in_input_order_with_line_numbers_for_unreadable_ones() -> (
    None
):
    history: list[Message | bytes] = [
        opened(),
        b"{oops",
        proposed(1, 3, message_id="m-early"),
        b"",
        responded(2),
        b"[]",
        closed(3),
    ]
    history.append(responded(4, message_id="m-late"))
    assert report(history)["rejected"] == [
        {"line": 2, "reason": "invalid_message"},
        {"message_id": "m-early", "case_id": "C-1", "reason": "no_initial_contact"},
        {"line": 6, "reason": "invalid_message"},
        {"message_id": "m-late", "case_id": "C-1", "reason": "case_closed"},
    ]


def test_duplicates_are_not_reported_as_rejections() -> None:
    first = responded(1)
    history: list[Message | bytes] = [opened(), first, first, line(first)]
    assert report(history)["rejected"] == []


def test_rejections_dated_after_t_are_not_reported_as_of_t() -> None:
    history: list[Message | bytes] = [opened(), proposed(10, 3, message_id="m-early"), b"{oops"]
    assert report(history, instant(5))["rejected"] == [{"line": 3, "reason": "invalid_message"}]


def test_replaying_twice_gives_the_same_report() -> None:
    history = [line(opened()), line(responded(1)), line(proposed(2, 3)), b"junk"]
    assert replay(history).report() == replay(history).report()


def test_an_empty_history_reports_nothing() -> None:
    produced = report([])
    assert produced["as_of"] is None and produced["sla"]["cases"] == [] and produced["audit"] == {}


def test_a_history_without_one_valid_message_still_reports_its_rejections(tmp_path):
    """No valid `at` means no default T: everything counts, nothing crashes."""
    history = tmp_path / "bad.jsonl"
    history.write_text(
        '{"message_id":"m1","case_id":"C1","type":"case.opened","at":"2026-01-01T00:00:00Z",'
        '"actor":{"id":"a","role":"customer"},"severity":"2"}\nnot json\n',
        encoding="utf-8",
    )
    from analysis.replay import replay_history
    from casebook.policies import load_policy

    report = replay_history(history.read_bytes().splitlines(), load_policy()).report()
    assert report["as_of"] is None
    assert report["sla"]["total"]["opened"] == 0
    assert report["rejected"] == [
        {"message_id": "m1", "case_id": "C1", "reason": "invalid_message"},
        {"line": 2, "reason": "invalid_message"},
    ]


def test_an_unsealed_replay_reports_what_the_sealed_one_does_and_hashes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = list(build_history(2000, 5).lines)
    sealed = replay_history(lines, load_policy(), keep_audit_events=True)

    def no_sealing(*args: object) -> None:
        raise AssertionError("an unsealed replay sealed an event")

    monkeypatch.setattr(case_module, "sealed_event", no_sealing)
    unsealed = replay_history(lines, load_policy(), keep_audit_events=True, sealed=False)

    assert unsealed.latest_at == sealed.latest_at is not None
    assert unsealed.report() == sealed.report()
    as_of = sealed.latest_at
    assert unsealed.audit.report(as_of) == sealed.audit.report(as_of)  # every event kept
    # The sealed default does seal: every opening raised, and was refused for it.
    refused = replay_history(lines, load_policy()).rejected.entries
    failed = [entry for entry in refused if entry.reason == "decision_failed"]
    assert failed and all("sealed an event" in entry.detail for entry in failed)


def test_without_as_of_every_rejection_is_listed_whatever_its_at() -> None:
    """Contract 1.1: the default T dates the SLA statuses, it filters nothing."""
    late_invalid = {**responded(600, message_id="late"), "severity": "high", "type": "nope"}
    lines = [opened(0), responded(10), late_invalid]
    result = replay(lines)
    expected = [{"message_id": "late", "case_id": "C-1", "reason": "invalid_message"}]
    assert result.report()["rejected"] == expected
    assert result.report()["as_of"] == stamp(10)
    assert result.report(instant(10))["rejected"] == []  # an asked-for T does filter
    with replay_bounded(map(line, lines), POLICY) as bounded:
        assert bounded.report() == result.report()
        assert bounded.report(instant(10)) == result.report(instant(10))
