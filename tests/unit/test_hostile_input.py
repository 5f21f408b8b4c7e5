"""No input can stop Casebook: every byte sequence ends as exactly one decision (contract 1.1).

The hostile corpus (tests/hostile_corpus.py) through the replay and the bounded replay;
generated input (hypothesis) on the parse edge; the last line of defence when deciding raises.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import domain.rules as rules
from analysis.bounded_replay import replay_bounded
from casebook.cli import main
from consumers.publishing import intake_key
from domain.desk import Accepted, Duplicate, IntakeDesk, Rejected
from domain.memory import InMemoryCases, InMemoryLedger
from domain.messages import IntakeMessage
from domain.parsing import MAX_DEPTH, InvalidMessage, parse_message
from tests.hostile_corpus import HOSTILE, VALID, expected_rejections, interleaved

from .support import POLICY, opened, proposed, replay, resolved, responded

VALID_REPORT = replay(VALID).report()


def test_the_corpus_replays_to_its_rejections_and_the_valid_messages_alone() -> None:
    produced = replay(interleaved()).report()
    assert produced["rejected"] == expected_rejections()
    assert produced["sla"] == VALID_REPORT["sla"]
    assert produced["audit"] == VALID_REPORT["audit"]
    assert produced["audit"]["H-1"]["severity_changes"][0]["proposal_id"] == "h-propose"


def test_the_bounded_replay_and_the_command_decide_the_corpus_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = replay(interleaved()).report()
    with replay_bounded(interleaved(), POLICY, hot_cases=1) as bounded:
        assert bounded.report() == expected
    history = tmp_path / "hostile.jsonl"
    history.write_bytes(b"\xef\xbb\xbf" + b"\n".join(interleaved()) + b"\n")
    assert main(["replay", "--input", str(history), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda hostile: hostile.name)
def test_each_hostile_record_gets_its_one_decision(hostile: Any) -> None:
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    for raw in VALID[:2]:
        assert isinstance(desk.take(parse_message(raw)), Accepted)
    outcome = desk.take(parse_message(hostile.raw))
    assert isinstance(outcome, Rejected)
    assert outcome.rejection.reason == hostile.reason
    assert outcome.message_id == hostile.message_id
    intake_key(hostile.raw)  # what `casebook publish` keys it by: read without raising


def test_depth_counts_containers_with_the_message_object_as_one() -> None:
    base = json.loads(VALID[1])

    def with_depth(depth: int) -> bytes:
        # the message object is level 1, so a field's value adds depth - 1 levels
        value: Any = "leaf"
        for _ in range(depth - 1):
            value = {"k": value}
        return json.dumps({**base, "x": value}).encode()

    assert not isinstance(parse_message(with_depth(MAX_DEPTH)), InvalidMessage)
    too_deep = parse_message(with_depth(MAX_DEPTH + 1))
    assert isinstance(too_deep, InvalidMessage)
    assert too_deep.rejection.detail == "message: nested deeper than 64 levels"
    assert (too_deep.message_id, too_deep.case_id) == (base["message_id"], base["case_id"])
    assert too_deep.at is not None  # dated, for --as-of, by its readable `at`


def test_brackets_and_non_numbers_inside_strings_are_text() -> None:
    document = json.loads(VALID[1])
    document["body"] = "[" * 500 + ' NaN Infinity \\" {{{'
    assert not isinstance(parse_message(json.dumps(document).encode()), InvalidMessage)


def test_a_bom_is_ignored_on_a_record_and_at_the_start_of_a_file() -> None:
    assert not isinstance(parse_message(b"\xef\xbb\xbf" + VALID[0]), InvalidMessage)
    report = replay([b"\xef\xbb\xbf" + VALID[0], *VALID[1:]]).report()
    assert report == VALID_REPORT


def test_lines_of_spaces_tabs_and_cr_are_not_messages_but_a_form_feed_is_refused() -> None:
    report = replay([VALID[0], b" \t \r", b"\x0c", VALID[1]]).report()
    assert report["rejected"] == [{"line": 3, "reason": "invalid_message"}]


def test_fractions_past_microseconds_are_truncated() -> None:
    document = json.loads(VALID[1])
    document["at"] = "2026-09-01T12:30:00.1234569Z"
    parsed = parse_message(json.dumps(document).encode())
    assert not isinstance(parsed, InvalidMessage)
    assert parsed.at.microsecond == 123456


def test_duplicate_keys_the_last_one_wins() -> None:
    raw = VALID[1][:-1] + b',"message_id":"h-last"}'
    parsed = parse_message(raw)
    assert not isinstance(parsed, InvalidMessage) and parsed.message_id == "h-last"


# ---- generated input --------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=40,
)


def decide_once(raw: bytes) -> Accepted | Rejected | Duplicate:
    """One record on a desk that already holds an open case with a first response."""
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), POLICY)
    for document in VALID[:2]:
        desk.take(parse_message(document))
    return desk.take(parse_message(raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_get_one_decision(raw: bytes) -> None:
    assert isinstance(decide_once(raw), Accepted | Rejected | Duplicate)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_gets_one_decision(value: Any) -> None:
    outcome = decide_once(json.dumps(value).encode())
    assert isinstance(outcome, Rejected)  # no generated value is a whole valid message


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.sampled_from(["[", "{"]))
def test_any_depth_gets_one_decision(levels: int, opener: str) -> None:
    """A valid message with `levels` containers nested in one field: depth 1 + levels."""
    if opener == "[":
        value = "[" * levels + "1" + "]" * levels
    else:
        value = '{"k":' * levels + "1" + "}" * levels if levels else "1"
    message = VALID[1].replace(b"h-respond", b"h-deep")[:-1] + b',"x":' + value.encode() + b"}"
    outcome = decide_once(message)
    if 1 + levels > MAX_DEPTH:
        assert isinstance(outcome, Rejected) and outcome.message_id == "h-deep"
        assert outcome.rejection.reason == "invalid_message"
    else:
        assert isinstance(outcome, Accepted)


def _mutations() -> st.SearchStrategy[bytes]:
    documents = [json.loads(raw) for raw in VALID]

    def dropped(document: dict[str, Any], key: str) -> bytes:
        return json.dumps({k: v for k, v in document.items() if k != key}).encode()

    def retyped(document: dict[str, Any], key: str, value: Any) -> bytes:
        return json.dumps({**document, key: value}).encode()

    def duplicated(document: dict[str, Any], key: str, value: Any) -> bytes:
        return json.dumps(document)[:-1].encode() + b"," + json.dumps({key: value})[1:].encode()

    def truncated(document: dict[str, Any], cut: int) -> bytes:
        raw = json.dumps(document).encode()
        return raw[: cut % len(raw)]

    document = st.sampled_from(documents)
    key = st.sampled_from(["message_id", "case_id", "type", "at", "actor", "severity", "x"])
    return st.one_of(
        st.builds(dropped, document, key),
        st.builds(retyped, document, key, json_values),
        st.builds(duplicated, document, key, json_values),
        st.builds(truncated, document, st.integers(min_value=0)),
    )


@settings(max_examples=400, deadline=None)
@given(_mutations())
def test_mutations_of_valid_messages_get_one_decision(raw: bytes) -> None:
    assert isinstance(decide_once(raw), Accepted | Rejected | Duplicate)


# ---- the last line of defence -------------------------------------------------------------


def test_a_decision_that_raises_refuses_that_record_and_the_replay_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = rules.check_proposal

    def check_proposal(case: Any, message: IntakeMessage) -> Any:
        if message.message_id == "boom":
            raise ZeroDivisionError("injected")
        return real(case, message)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "check_proposal", check_proposal)
    produced = replay(
        [opened(0), responded(10), proposed(20, 3, message_id="boom"), proposed(30, 4)]
    ).report()
    assert produced["rejected"] == [
        {"message_id": "boom", "case_id": "C-1", "reason": "decision_failed"}
    ]
    changes = produced["audit"]["C-1"]["severity_changes"]
    assert [change["to"] for change in changes] == [4]  # the next message was decided


def test_the_refusal_names_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def check_resolution(case: Any) -> Any:
        raise KeyError("lost")

    monkeypatch.setattr(rules, "check_resolution", check_resolution)
    result = replay([opened(0), resolved(5, message_id="r-1")])
    (entry,) = result.rejected.entries
    assert entry.reason == "decision_failed"
    assert entry.detail == "deciding raised KeyError: 'lost'"
