"""What-if replays: a tighter level-2 target flips exactly the level-2 cases answered in 4-6 h."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.replay import replay_history
from analysis.whatif import what_if
from casebook.cli import main
from casebook.policies import load_policy
from domain.policy import Policy
from tooling.histories import generate_history

SAMPLE = Path("/work/shared/samples/history-small.jsonl")


def tightened_level_2() -> Policy:
    document = load_policy().model_dump(mode="json")
    document["version"] = "2-candidate"
    document["first_response_minutes"]["2"] = 240
    return Policy.model_validate(document)


def expected_flips(lines: list[bytes]) -> set[str]:
    """From the recorded replay: the level-2 cases whose first response took more than 4 h and
    at most 6 h, plus (the same rule seen from the other side) those closed unanswered in that
    window: void under a 6 h target, breached under a 4 h one."""
    replay = replay_history(lines, load_policy())
    flips = set()
    for row in replay.sla.cases.values():
        if row.sla_severity != 2:
            continue
        settled_at = row.first_response_at or row.closed_at
        if (
            settled_at is not None
            and 4 * 3600 < (settled_at - row.opened_at).total_seconds() <= 6 * 3600
        ):
            flips.add(row.case_id)
    return flips


@pytest.mark.parametrize("source", ["sample", "generated"])
def test_tightening_level_2_flips_exactly_the_cases_answered_between_4_and_6_hours(source):
    lines = (
        SAMPLE.read_bytes().splitlines()
        if source == "sample"
        else list(generate_history(6000, seed=11))
    )
    expected = expected_flips(lines)
    assert expected, "the history must hold such cases for the test to mean anything"
    report = what_if(lines, load_policy(), tightened_level_2())
    assert {case["case_id"] for case in report["flipped"]} == expected
    assert all(c["candidate"]["status"] == "breached" for c in report["flipped"])
    assert all(c["recorded"]["status"] in ("met", "void") for c in report["flipped"])
    recorded, candidate = (
        report["recorded"]["by_severity"]["2"],
        report["candidate"]["by_severity"]["2"],
    )
    assert candidate["breached"] == recorded["breached"] + len(expected)
    assert report["recorded"]["by_severity"]["3"] == report["candidate"]["by_severity"]["3"]


def test_an_unchanged_policy_flips_nothing():
    lines = SAMPLE.read_bytes().splitlines()
    assert what_if(lines, load_policy(), load_policy())["flipped"] == []


def test_the_command_prints_both_compliances(tmp_path, capsys):
    policy_file = tmp_path / "tight.json"
    policy_file.write_text(tightened_level_2().model_dump_json(), encoding="utf-8")
    assert main(["whatif", "--input", str(SAMPLE), "--policy", str(policy_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["policies"]["candidate"]["version"] == "2-candidate"
    assert report["recorded"]["total"]["compliance"] == pytest.approx(34 / 39)
    assert len(report["flipped"]) == len(expected_flips(SAMPLE.read_bytes().splitlines()))


def test_a_new_calendar_tried_on_the_whole_history_names_the_metric_flips(tmp_path, capsys) -> None:
    """SLA v2: the business-hours example against the same policy with Berlin open 24/7."""
    from domain.policy import parse_policy
    from tests.unit.test_policy_calendars import EXAMPLE
    from tooling.histories.business import business_history

    lines = business_history(80, seed=5)
    recorded = load_policy(EXAMPLE)
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["calendars"]["eu-office"]["weekly"] = "always"
    document["version"] = "24-7-berlin"
    candidate = parse_policy(json.dumps(document))
    report = what_if(lines, recorded, candidate)
    assert set(report["metrics"]["recorded"]) == {"next_response", "resolution"}
    flips = report["metric_flips"]
    assert flips["next_response"] and flips["resolution"]
    before = replay_history(lines, recorded).report()["metrics"]["resolution"]["cases"]
    after = replay_history(lines, candidate).report()["metrics"]["resolution"]["cases"]
    expected = {
        a["case_id"] for a, b in zip(before, after, strict=True) if a["status"] != b["status"]
    }
    assert {flip["case_id"] for flip in flips["resolution"]} == expected
    assert report["flipped"]  # the first response's business time changed too

    history = tmp_path / "h.jsonl"
    history.write_bytes(b"\n".join(lines) + b"\n")
    changed = tmp_path / "candidate.json"
    changed.write_text(json.dumps(document))
    assert (
        main(
            [
                "whatif",
                "--input",
                str(history),
                "--policy",
                str(changed),
                "--recorded-policy",
                str(EXAMPLE),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "resolution: recorded" in out and "cases that flip" in out
