"""The policy is data: the shipped default states the contract's tables; others may replace it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from casebook.policies import load_policy
from domain.policy import parse_policy

from .support import POLICY, Desk, opened, replay, responded

DEFAULT = json.loads(
    Path(__file__).resolve().parents[2].joinpath("casebook/policies/default.json").read_text()
)


def custom(**changes: object) -> str:
    return json.dumps({**DEFAULT, **changes})


@pytest.mark.parametrize(("severity", "hours"), [(1, 2), (2, 6), (3, 12), (4, 24)])
def test_the_default_targets_are_the_contracts(severity: int, hours: int) -> None:
    assert POLICY.first_response_target(severity) == timedelta(hours=hours)


def test_the_default_eligible_tiers_exclude_developers() -> None:
    assert set(POLICY.eligible_tiers) == {"hosting_provider", "enterprise"}


def test_the_default_cap_names_the_five_spellings_at_level_2() -> None:
    (cap,) = POLICY.severity_caps
    assert set(cap.technologies) == {"dotnet", ".net", "mssql", "ms-sql", "sqlserver"}
    assert cap.most_severe_level == 2


@pytest.mark.parametrize("spelling", ["DOTNET", " .Net ", "Ms-Sql", "SQLSERVER", "mssql"])
def test_caps_match_case_insensitively(spelling: str) -> None:
    cap = POLICY.cap_for(["php", spelling])
    assert cap is not None and cap.level == 2


def test_load_policy_reads_a_deployments_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(custom(id="acme-policy", version="7"))
    policy = load_policy(path)
    assert (policy.id, policy.version) == ("acme-policy", "7")


def test_a_policy_without_a_target_for_every_severity_is_refused() -> None:
    with pytest.raises(ValidationError, match="severity"):
        parse_policy(custom(first_response_minutes={"1": 60, "2": 120, "3": 240}))


@pytest.mark.parametrize(
    "changes",
    [
        {"first_response_minutes": {"1": 0, "2": 1, "3": 1, "4": 1}},
        {"eligible_tiers": ["platinum"]},
        {"unexpected": True},
        {
            "severity_caps": [
                {"name": "x", "technologies": ["x"], "most_severe_level": 5, "reason": "r"}
            ]
        },
    ],
)
def test_an_ill_formed_policy_is_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        parse_policy(custom(**changes))


def test_a_target_over_a_year_is_refused_so_due_times_stay_representable() -> None:
    year = 366 * 24 * 60
    assert parse_policy(custom(first_response_minutes={"1": 1, "2": 2, "3": 3, "4": year}))
    with pytest.raises(ValidationError, match="less than or equal to 527040"):
        parse_policy(custom(first_response_minutes={"1": 1, "2": 2, "3": 3, "4": year + 1}))


def test_the_content_hash_names_the_content() -> None:
    same = parse_policy(json.dumps(DEFAULT))
    other = parse_policy(custom(first_response_minutes={"1": 60, "2": 360, "3": 720, "4": 1440}))
    assert same.content_hash == POLICY.content_hash != other.content_hash


def test_a_deployments_policy_changes_targets_tiers_and_caps() -> None:
    policy = parse_policy(
        custom(
            id="strict",
            first_response_minutes={"1": 30, "2": 60, "3": 90, "4": 120},
            eligible_tiers=["hosting_provider", "enterprise", "developer"],
            severity_caps=[
                {"name": "php", "technologies": ["PHP"], "most_severe_level": 3, "reason": "php"}
            ],
        )
    )
    desk = Desk(policy)
    desk.take(opened(severity=1, tier="developer", technologies=["php", "dotnet"]))
    case = desk.case()
    assert (case.severity, case.cap_level) == (3, 3)
    assert case.due_at - case.opened_at == timedelta(minutes=90)


def test_the_strictest_triggered_cap_wins() -> None:
    policy = parse_policy(
        custom(
            severity_caps=[
                *DEFAULT["severity_caps"],
                {
                    "name": "legacy",
                    "technologies": ["cobol"],
                    "most_severe_level": 3,
                    "reason": "legacy",
                },
            ]
        )
    )
    cap = policy.cap_for(["dotnet", "COBOL"])
    assert cap is not None and (cap.level, cap.reason) == (3, "legacy")


def test_replay_under_another_policy_judges_by_that_policy() -> None:
    policy = parse_policy(custom(first_response_minutes={"1": 30, "2": 60, "3": 90, "4": 120}))
    history = [opened(severity=2), responded(90)]
    assert replay(history).report()["sla"]["cases"][0]["status"] == "met"
    assert replay(history, policy).report()["sla"]["cases"][0]["status"] == "breached"
