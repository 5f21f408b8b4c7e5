"""SLA v2 policies: calendars, calendar rules and targets; first responses in business time.

A policy that cannot be used is refused whole, naming the key; a valid one pins each case's
calendar (id, content hash, tz database) in its `Opened`, and the first response is due in
the case's business time. A policy without the new sections decides exactly as version 1.
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from casebook.cli import main
from casebook.policies import describe_policy_error, load_policy
from domain.event_wire import event_to_wire
from domain.policy import Policy, parse_policy
from domain.zones import TZDATA_VERSION

from .support import POLICY, message, opened, replay, responded

EXAMPLE = Path(__file__).resolve().parents[2] / "casebook" / "policies" / "business-hours.json"
DOCUMENT: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
OFFICE = DOCUMENT["calendars"]["eu-office"]


def policy_with(**changes: Any) -> Policy:
    document = deepcopy(DOCUMENT)
    document.update(changes)
    return parse_policy(json.dumps(document))


def refusal(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        policy_with(**changes)
    return describe_policy_error(caught.value)


def with_calendar(**fields: Any) -> dict[str, Any]:
    return {"eu-office": {**OFFICE, **fields}, "us-office": DOCUMENT["calendars"]["us-office"]}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"calendars": with_calendar(timezone="Mars/Olympus")}, "calendars.eu-office.timezone"),
        ({"calendars": with_calendar(timezone="+02:00")}, "is a fixed offset"),
        (
            {"calendars": with_calendar(weekly={"mon": [["18:00", "08:00"]]})},
            "ends before it starts",
        ),
        (
            {"calendars": with_calendar(weekly={"mon": [["24:00", "24:00"]]})},
            "cannot start at 24:00",
        ),
        (
            {"calendars": with_calendar(weekly={"mon": [["8:00", "18:00"]]})},
            "calendars.eu-office.weekly",
        ),
        ({"calendars": with_calendar(weekly={"monday": [["08:00", "18:00"]]})}, "weekly"),
        ({"calendars": with_calendar(weekly={"sat": []})}, "open at no time of the week"),
        ({"calendars": with_calendar(holidays=["2026-02-30"])}, "calendars.eu-office.holidays.0"),
        ({"calendars": with_calendar(opens="08:00")}, "calendars.eu-office.opens"),
        ({"calendar_rules": [{"tiers": ["enterprise"], "calendar": "apac"}]}, "no calendar 'apac'"),
        ({"calendar_rules": [{"regions": ["eu"]}]}, "calendar_rules.0.regions"),
        ({"calendars": {"always": {"timezone": "Europe/Berlin", "weekly": "always"}}}, "built in"),
        ({"targets": {"2": {"first_response": 525_601}}}, "targets.2.first_response"),
        ({"targets": {"2": {"first_response": 60.5}}}, "targets.2.first_response"),
        ({"targets": {"2": {"reply": 60}}}, "targets.2.reply"),
        ({"targets": {"5": {"resolution": 60}}}, "targets.5"),
        ({"first_response_minutes": None}, "no first-response target for severity [1]"),
    ],
)
def test_a_policy_that_cannot_be_used_is_refused_naming_the_key(
    changes: dict[str, Any], named: str
) -> None:
    assert named in refusal(**changes)


def test_overlapping_intervals_are_valid_their_union_counts_and_check_names_them() -> None:
    policy = policy_with(
        calendars=with_calendar(weekly={"mon": [["08:00", "12:00"], ["11:00", "13:00"]]})
    )
    assert policy.calendar("eu-office").weekly[0] == ((480, 780),)
    assert policy.calendars["eu-office"].overlaps() == [
        "mon: [08:00, 12:00] overlaps [11:00, 13:00]"
    ]


def test_the_calendar_hash_is_over_the_calendar_as_written() -> None:
    written = json.dumps(OFFICE, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(written.encode("utf-8")).hexdigest()
    assert load_policy(EXAMPLE).calendar("eu-office").content_hash == expected


def test_calendar_rules_match_on_every_key_they_have_and_the_first_match_wins() -> None:
    policy = policy_with(
        calendar_rules=[
            {"tiers": ["enterprise"], "customer_ids": ["vip"], "calendar": "us-office"},
            {"tiers": ["enterprise"], "calendar": "eu-office"},
            {"customer_ids": ["host-1"]},
        ]
    )
    assert policy.calendar_for("enterprise", "vip").id == "us-office"
    assert policy.calendar_for("enterprise", "other").id == "eu-office"
    assert policy.calendar_for("hosting_provider", "host-1").id == "always"
    assert policy.calendar_for("hosting_provider", "someone").id == "always"  # none matched


def test_a_v1_policy_keeps_its_hash_and_pins_no_calendar() -> None:
    assert not POLICY.has_calendars
    report = replay([opened(0)]).report()
    assert report["sla"]["cases"][0]["due_at"] == "2026-09-01T18:00:00Z"  # 6 h, 24/7
    from domain.desk import Accepted, IntakeDesk
    from domain.memory import InMemoryCases, InMemoryLedger
    from domain.parsing import parse_message

    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    outcome = desk.take(parse_message(json.dumps(opened(0))))
    assert isinstance(outcome, Accepted)
    data = event_to_wire(outcome.case.collect_events()[0])["data"]
    assert not {"calendar_id", "calendar_hash", "tzdata_version", "response_clock"} & set(data)


FRIDAY_EVENING = "2026-11-27T19:00:00Z"  # 20:00 in Berlin: the office has closed


def office_case(severity: int, *later: dict[str, Any]) -> list[dict[str, Any]]:
    opening = opened(0, severity=severity) | {"at": FRIDAY_EVENING}
    return [opening, *later]


def at(document: dict[str, Any], instant: str) -> dict[str, Any]:
    return document | {"at": instant}


def test_a_first_response_is_due_in_the_cases_business_time() -> None:
    policy = load_policy(EXAMPLE)
    monday = at(responded(60), "2026-11-30T09:00:00Z")  # Monday 10:00 in Berlin
    report = replay(office_case(2, monday), policy=policy).report()
    (case,) = report["sla"]["cases"]
    assert case["due_at"] == "2026-11-30T13:00:00Z"  # 6 business hours: Monday 14:00
    assert case["status"] == "met"  # 24/7 it was due Saturday 01:00 and breached
    v1 = replay(office_case(2, monday)).report()["sla"]["cases"][0]
    assert (v1["due_at"], v1["status"]) == ("2026-11-28T01:00:00Z", "breached")


def test_opened_pins_the_calendar_by_id_content_hash_and_tz_database() -> None:
    from domain.desk import Accepted, IntakeDesk
    from domain.memory import InMemoryCases, InMemoryLedger
    from domain.parsing import parse_message

    policy = load_policy(EXAMPLE)
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), policy)
    outcome = desk.take(parse_message(json.dumps(office_case(3)[0])))
    assert isinstance(outcome, Accepted)
    data = event_to_wire(outcome.case.collect_events()[0])["data"]
    assert data["calendar_id"] == "eu-office"
    assert data["calendar_hash"] == policy.calendar("eu-office").content_hash
    assert data["tzdata_version"] == TZDATA_VERSION
    assert (data["response_clock"], data["first_response_minutes"]) == ("business", 720)


def test_a_severity_without_a_business_target_keeps_the_24_7_clock() -> None:
    report = replay(office_case(1), policy=load_policy(EXAMPLE)).report()
    assert report["sla"]["cases"][0]["due_at"] == "2026-11-27T21:00:00Z"  # 2 h, 24/7


def test_a_due_instant_past_year_9000_is_never_and_never_breached() -> None:
    sparse = {"timezone": "UTC", "weekly": {"sun": [["00:00", "00:01"]]}}
    policy = policy_with(
        calendars={"sparse": sparse},
        calendar_rules=[{"calendar": "sparse"}],
        targets={str(level): {"first_response": 525_600} for level in (1, 2, 3, 4)},
    )
    late = message("case.closed", 0, actor=("eng-1", "engineer"), message_id="m-9")
    late["at"] = "8999-12-31T00:00:00Z"
    report = replay([opened(0), late], policy=policy).report()
    case = report["sla"]["cases"][0]
    assert case["due_at"] is None and case["status"] == "void"


def test_policy_check_prints_calendars_rules_and_the_due_instants(capsys) -> None:
    assert main(["policy", "check", str(EXAMPLE), "--opening", FRIDAY_EVENING]) == 0
    out = capsys.readouterr().out
    assert "policy casebook-business-hours-example version 2026-12-07: valid" in out
    assert "  fri 08:00-16:00" in out and "  sat closed" in out
    assert "rule 1: tiers enterprise -> eu-office" in out
    assert (
        "  eu-office severity 2: first_response 360 min (eu-office) due 2026-11-30T13:00:00Z" in out
    )


def test_policy_check_refuses_with_the_key_and_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(DOCUMENT | {"calendars": with_calendar(timezone="Mars/Olympus")}))
    assert main(["policy", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "calendars.eu-office.timezone: 'Mars/Olympus' is not a time zone" in err
    assert "Traceback" not in err


def test_policy_holidays_fills_a_calendar_from_the_holidays_package(tmp_path: Path, capsys) -> None:
    target = tmp_path / "policy.json"
    target.write_text(json.dumps(DOCUMENT | {"calendars": with_calendar(holidays=[])}))
    command = [
        "policy",
        "holidays",
        "--country",
        "DE",
        "--subdivision",
        "BE",
        "--years",
        "2026-2027",
    ]
    assert main([*command, "--policy", str(target), "--calendar", "eu-office"]) == 0
    filled = load_policy(target).calendars["eu-office"].holidays
    assert {"2026-04-03", "2026-10-03", "2026-12-25", "2027-03-26"} <= set(filled)
    assert "2026-03-08" in filled  # Women's Day: a public holiday in Berlin only
    assert list(filled) == sorted(set(filled))
    assert main([*command, "--policy", str(target), "--calendar", "eu-office"]) == 0
    assert load_policy(target).calendars["eu-office"].holidays == filled  # idempotent
    assert main(["policy", "holidays", "--country", "XX", "--years", "2026"]) == 2
    assert main([*command, "--policy", str(target), "--calendar", "apac"]) == 2
    assert "no calendar 'apac'" in capsys.readouterr().err


def test_a_command_refuses_an_unusable_policy_before_deciding_anything(
    tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(DOCUMENT | {"targets": {"2": {"resolution": -1}}}))
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps(opened(0)) + "\n")
    assert main(["replay", "--input", str(history), "--policy", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"casebook: invalid policy {bad}: targets.2.resolution: ")
    assert "Traceback" not in err
    assert main(["whatif", "--input", str(history), "--policy", str(bad)]) == 2


def test_first_response_warnings_fall_at_shares_of_business_time() -> None:
    from domain.desk import Accepted, IntakeDesk
    from domain.memory import InMemoryCases, InMemoryLedger
    from domain.parsing import parse_message
    from domain.timefmt import parse_instant
    from projections.sla import SlaView
    from projections.warnings import due_warnings

    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy(EXAMPLE))
    outcome = desk.take(parse_message(json.dumps(office_case(2)[0])))
    assert isinstance(outcome, Accepted)
    (event,) = outcome.case.collect_events()
    data = event_to_wire(event)["data"]
    assert data["half_time_at"] == "2026-11-30T10:00:00.000000Z"  # 3 of 6 business hours
    assert data["three_quarter_time_at"] == "2026-11-30T11:30:00.000000Z"
    view = SlaView()
    view.apply(event)
    row = view.cases["C-1"]
    saturday = parse_instant("2026-11-28T12:00:00Z")  # past half of the real time to due
    assert due_warnings(row, saturday) == []
    kinds = [w.kind for w in due_warnings(row, parse_instant("2026-11-30T12:00:00Z"))]
    assert kinds == ["half_time_passed", "three_quarter_time_passed"]
    (half, _) = due_warnings(row, parse_instant("2026-11-30T12:00:00Z"))
    assert half.at == parse_instant("2026-11-30T10:00:00Z")
