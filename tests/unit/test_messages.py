"""Parsing intake messages: what the contract calls valid, and `invalid_message` for the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain import messages as m
from domain.messages import MAX_MESSAGE_BYTES
from domain.parsing import InvalidMessage, parse_message
from domain.reasons import ReasonCode

from .support import (
    agreed,
    closed,
    declined,
    line,
    message,
    opened,
    proposed,
    reopened,
    resolved,
    responded,
)

VALID = {
    "case.opened": (opened(), m.CaseOpened),
    "case.responded": (responded(1), m.CaseResponded),
    "severity.proposed": (proposed(1, 3), m.SeverityProposed),
    "severity.agreed": (agreed(1), m.SeverityAgreed),
    "severity.declined": (declined(1), m.SeverityDeclined),
    "case.resolved": (resolved(1), m.CaseResolved),
    "case.reopened": (reopened(1), m.CaseReopened),
    "case.closed": (closed(1), m.CaseClosed),
}


def assert_invalid(raw: bytes | dict) -> InvalidMessage:
    parsed = parse_message(raw if isinstance(raw, bytes) else line(raw))
    assert isinstance(parsed, InvalidMessage), parsed
    assert parsed.rejection.reason is ReasonCode.INVALID_MESSAGE
    return parsed


@pytest.mark.parametrize("type_", sorted(VALID))
def test_every_type_of_the_contract_parses_to_its_model(type_: str) -> None:
    document, model = VALID[type_]
    parsed = parse_message(line(document))
    assert isinstance(parsed, model)
    assert parsed.message_id == document["message_id"]


def test_optional_fields_of_an_opening_may_be_left_out() -> None:
    document = opened()
    for name in ("technologies", "subject"):
        document.pop(name, None)
    parsed = parse_message(line(document))
    assert isinstance(parsed, m.CaseOpened)
    assert parsed.technologies == [] and parsed.subject is None and parsed.business_impact is None


def test_proposal_id_defaults_to_the_message_id() -> None:
    parsed = parse_message(line(proposed(1, 3, message_id="m-p")))
    assert isinstance(parsed, m.SeverityProposed)
    assert parsed.effective_proposal_id == "m-p"
    named = parse_message(line(proposed(1, 3, message_id="m-q", proposal_id="p-1")))
    assert isinstance(named, m.SeverityProposed) and named.effective_proposal_id == "p-1"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"message_id": "m-1", "case_id": ',
        b"[1, 2]",
        b'"a string"',
        b"null",
        b"\xff\xfe",
    ],
    ids=["text", "truncated", "array", "string", "null", "not-utf8"],
)
def test_what_is_not_a_json_object_is_invalid(raw: bytes) -> None:
    assert_invalid(raw)


@pytest.mark.parametrize("field", ["message_id", "case_id", "type", "at", "actor"])
def test_a_missing_envelope_field_is_invalid(field: str) -> None:
    document = responded(1)
    del document[field]
    assert_invalid(document)


@pytest.mark.parametrize(
    ("type_", "field"),
    [
        ("case.opened", "customer"),
        ("case.opened", "severity"),
        ("severity.proposed", "severity"),
        ("severity.proposed", "reason"),
    ],
)
def test_a_missing_field_of_the_type_is_invalid(type_: str, field: str) -> None:
    document = dict(VALID[type_][0])
    del document[field]
    assert_invalid(document)


@pytest.mark.parametrize(
    "bad_at",
    [
        "2026-09-01T12:00:00",  # naive
        "2026-09-01 12:00:00",  # naive, space separated
        "2026-09-01",  # a date
        "yesterday",
        1788264000,  # epoch seconds
        "1788264000",  # epoch seconds in a string (pydantic alone reads it as a Unix time)
        "1788264000.5",
        "2026-09-01T12:00Z",  # no seconds
        "2026-09-01T12:00:00+0000",  # an offset without its colon
        "2026-09-01T12:00:00,5Z",  # a comma before the fraction
        "2026-09-01T12:00:00 Z",
        "2026-09-01T12:00:00+02",
        "2026-W35-2T12:00:00Z",  # ISO 8601, not RFC 3339
        "２０２６-09-01T12:00:00Z",  # digits other than ASCII
        None,
    ],
)
def test_at_must_be_a_timestamp_with_an_offset(bad_at: object) -> None:
    document = responded(1)
    document["at"] = bad_at
    assert_invalid(document)


@pytest.mark.parametrize("severity", ["2", 2.5, True, 0, 5, -1, None, 4.000001, 0.0])
def test_severity_is_strictly_an_integer_from_1_to_4(severity: object) -> None:
    assert_invalid(opened(severity=severity))  # type: ignore[arg-type]
    assert_invalid(proposed(1, severity=severity))  # type: ignore[arg-type]


@pytest.mark.parametrize("written", ["2.0", "2e0", "20E-1", "2.000"])
def test_a_severity_written_with_a_zero_fraction_is_that_integer(written: str) -> None:
    """JSON has one number type and JSON Schema's `integer` takes 2.0: so does the parser."""
    text = json.dumps(opened(severity=3)).replace('"severity": 3', f'"severity": {written}')
    parsed = parse_message(text)
    assert isinstance(parsed, m.CaseOpened), parsed
    assert parsed.severity == 2 and type(parsed.severity) is int


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("message_id",), ""),
        (("message_id",), "m" * 129),
        (("message_id",), 17),
        (("case_id",), ""),
        (("case_id",), "C" * 65),
        (("case_id",), "C 1"),
        (("case_id",), "C/1"),
        (("case_id",), "C-1\n"),
        (("case_id",), "Ç-1"),
        (("type",), "case.escalated"),
        (("type",), "CASE.OPENED"),
        (("actor",), "acme"),
        (("actor", "role"), "admin"),
        (("actor", "id"), 7),
        (("customer", "tier"), "gold"),
        (("technologies",), "dotnet"),
        (("subject",), 12),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_ill_typed_fields_are_invalid(path: tuple[str, ...], value: object) -> None:
    document = json.loads(json.dumps(opened()))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert_invalid(document)


def test_field_limits_are_inclusive() -> None:
    document = opened(message_id="m" * 128)
    document["case_id"] = "Az09._:-" * 8  # 64 chars of every allowed kind
    assert isinstance(parse_message(line(document)), m.CaseOpened)


def _padded(size: int) -> bytes:
    document = responded(1)
    document["padding"] = ""
    base = len(line(document))
    document["padding"] = "x" * (size - base)
    raw = line(document)
    assert len(raw) == size
    return raw


def test_a_message_of_exactly_64_kib_is_valid() -> None:
    assert isinstance(parse_message(_padded(MAX_MESSAGE_BYTES)), m.CaseResponded)


def test_a_message_over_64_kib_is_invalid() -> None:
    invalid = assert_invalid(_padded(MAX_MESSAGE_BYTES + 1))
    assert "65537" in invalid.rejection.detail


def test_the_size_limit_counts_bytes_not_characters() -> None:
    document = responded(1)
    document["padding"] = ""
    base = len(line(document))
    # each "é" is 2 bytes in UTF-8 and 1 character; ensure_ascii=False keeps it raw
    document["padding"] = "é" * ((MAX_MESSAGE_BYTES - base) // 2 + 1)
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    assert len(raw.decode("utf-8")) <= MAX_MESSAGE_BYTES < len(raw)
    assert_invalid(raw)


def test_unknown_extra_fields_are_kept_not_an_error() -> None:
    document = responded(1, x_trace="abc", priority_hint={"level": 3})
    parsed = parse_message(line(document))
    assert isinstance(parsed, m.CaseResponded)
    assert parsed.extra_fields == {"x_trace": "abc", "priority_hint": {"level": 3}}


def test_an_offset_other_than_utc_is_the_same_instant() -> None:
    document = responded(1)
    document["at"] = "2026-09-01T14:01:00+02:00"
    parsed = parse_message(line(document))
    assert isinstance(parsed, m.CaseResponded)
    assert parsed.at == datetime(2026, 9, 1, 12, 1, tzinfo=UTC)
    assert parsed.at.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


def test_an_invalid_message_keeps_what_identifies_it() -> None:
    document = responded(1, message_id="m-bad")
    document["severity"] = "2"
    document["type"] = "severity.proposed"
    invalid = assert_invalid(document)
    assert (invalid.message_id, invalid.case_id) == ("m-bad", "C-1")
    assert invalid.at == datetime(2026, 9, 1, 12, 1, tzinfo=UTC)


def test_a_naive_at_is_not_salvaged_as_an_instant() -> None:
    document = message("case.closed", message_id="m-naive")
    document["at"] = "2026-09-01T12:00:00"
    invalid = assert_invalid(document)
    assert invalid.message_id == "m-naive" and invalid.at is None


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-09-01t12:01:00z", datetime(2026, 9, 1, 12, 1, tzinfo=UTC)),
        ("2026-09-01 12:01:00Z", datetime(2026, 9, 1, 12, 1, tzinfo=UTC)),
        ("2026-09-01T14:01:00.5+02:00", datetime(2026, 9, 1, 12, 1, 0, 500000, tzinfo=UTC)),
        ("2026-09-01T12:01:00.123456789Z", datetime(2026, 9, 1, 12, 1, 0, 123456, tzinfo=UTC)),
        ("2026-09-01T12:01:00-00:00", datetime(2026, 9, 1, 12, 1, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("8999-12-31T23:59:59Z", datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        # the bound is on the date as written: these are 1969 and 9000 in UTC
        ("1970-01-01T00:30:00+01:00", datetime(1969, 12, 31, 23, 30, tzinfo=UTC)),
        ("8999-12-31T23:00:00-23:59", datetime(9000, 1, 1, 22, 59, tzinfo=UTC)),
        ("2000-02-29T12:00:00Z", datetime(2000, 2, 29, 12, tzinfo=UTC)),
        ("2024-02-29T12:00:00Z", datetime(2024, 2, 29, 12, tzinfo=UTC)),
    ],
)
def test_every_rfc_3339_form_of_at_is_valid(text: str, instant: datetime) -> None:
    document = responded(1)
    document["at"] = text
    parsed = parse_message(line(document))
    assert isinstance(parsed, m.CaseResponded), parsed
    assert parsed.at == instant


@pytest.mark.parametrize(
    "bad_at",
    [
        "1969-12-31T23:59:59Z",
        "1969-12-31T23:30:00-01:00",  # 1970 in UTC, 1969 as written
        "9000-01-01T00:00:00Z",
        "9999-12-31T23:00:00Z",  # its due time would be past the last instant Python has
        "0001-01-01T00:30:00+01:00",  # in UTC, before the first one
        "2023-02-29T12:00:00Z",  # not a leap year
        "2100-02-29T12:00:00Z",  # a century not divisible by 400
        "2026-04-31T12:00:00Z",
        "2026-09-01T12:00:60Z",  # RFC 3339's leap second: the contract refuses it
    ],
)
def test_at_out_of_the_supported_range_is_invalid_and_not_salvaged(bad_at: str) -> None:
    document = message("case.closed", message_id="m-far")
    document["at"] = bad_at
    invalid = assert_invalid(document)
    assert invalid.rejection.detail.startswith("case.closed.at: Input should be")
    assert (invalid.message_id, invalid.at) == ("m-far", None)


def test_a_malformed_at_is_named_in_the_rejection() -> None:
    document = responded(1)
    document["at"] = "1788264000"
    invalid = assert_invalid(document)
    assert invalid.rejection.detail == (
        "case.responded.at: Input should be an RFC 3339 timestamp with an offset, "
        "on a real date from 1970 to 8999, like 2026-09-01T21:47:33Z"
    )
