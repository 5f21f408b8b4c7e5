"""The published intake schema and the parser give every message the same verdict.

Two independent validators read `schemas/casebook.intake.v1.schema.json` with format checking
(jsonschema, the Python reference, and jsonschema-rs, a Rust one with ECMA-262 patterns):
messages generated from the schema itself (hypothesis-jsonschema), the same messages mutated
field by field, and texts built around every edge of an instant must be valid to the schema
exactly when `parse_message` takes them. What a schema cannot see is listed in
`tooling.schemas.INTAKE_RULES_BEYOND_SCHEMA`; the last test shows each item is such a rule.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from domain.messages import MESSAGE_TYPES
from domain.parsing import InvalidMessage, parse_message
from tooling.schemas import INTAKE_RULES_BEYOND_SCHEMA

from .support import opened, proposed, responded

SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "casebook.intake.v1.schema.json").read_text()
)
REFERENCE = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
RUST = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
MESSAGES = from_schema({key: value for key, value in SCHEMA.items() if key != "$id"})
"""Messages generated from the schema (hypothesis-jsonschema resolves `#/$defs/...` against the
document it is given, and cannot against a URN `$id`)."""

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = (
    "message_id",
    "case_id",
    "at",
    "type",
    "actor",
    "severity",
    "customer",
    "technologies",
    "subject",
    "business_impact",
    "body",
    "reason",
    "proposal_id",
)
NESTED_FIELDS = {"actor": ("id", "role"), "customer": ("id", "tier")}


def _instant_texts() -> st.SearchStrategy[str]:
    """Texts shaped like an instant, each part drawn around its edges."""

    def two(low: int, high: int) -> st.SearchStrategy[str]:
        return st.integers(low, high).map(lambda value: f"{value:02d}")

    year = st.sampled_from([0, 1, 1969, 1970, 1972, 1999, 2000, 2024, 2026, 2100, 8999, 9000])
    offset = st.one_of(
        st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+0000", "+02", " Z"]),
        st.builds(
            lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), two(0, 25), two(0, 61)
        ),
    )
    fraction = st.sampled_from(["", ".5", ".123456", ".123456789", ".", ",5"])
    return st.builds(
        lambda y, mo, d, sep, h, mi, s, f, off, tail: (
            f"{y:04d}-{mo}-{d}{sep}{h}:{mi}:{s}{f}{off}{tail}"
        ),
        year,
        two(0, 13),
        two(0, 32),
        st.sampled_from(["T", "t", " ", "_", "  "]),
        two(0, 25),
        two(0, 61),
        two(0, 61),
        fraction,
        offset,
        st.sampled_from(["", "", "", "\n", " "]),
    )


def schema_says(document: object) -> bool:
    reference = REFERENCE.is_valid(document)
    assert RUST.is_valid(document) == reference, f"the two validators disagree on {document!r}"
    return reference


def parser_says(document: object) -> bool:
    return not isinstance(parse_message(json.dumps(document)), InvalidMessage)


def assert_same_verdict(document: object) -> None:
    schema, parser = schema_says(document), parser_says(document)
    assert schema == parser, (
        f"schema says {'valid' if schema else 'invalid'}, the parser "
        f"{'valid' if parser else 'invalid'}: {json.dumps(document)}"
    )


FAST = settings(
    max_examples=int(os.environ.get("SCHEMA_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FAST
@given(MESSAGES)
def test_every_message_the_schema_generates_is_valid_to_the_parser(document: Any) -> None:
    assert schema_says(document)
    assert parser_says(document), json.dumps(document)


@FAST
@given(MESSAGES, st.sampled_from(FIELDS), JSON_VALUES | _instant_texts(), st.data())
def test_a_message_with_one_field_changed_gets_one_verdict(
    document: Any, field: str, value: object, data: st.DataObject
) -> None:
    nested = NESTED_FIELDS.get(field)
    if nested and isinstance(document.get(field), dict) and data.draw(st.booleans()):
        document[field][data.draw(st.sampled_from(nested))] = value
    else:
        document[field] = value
    assert_same_verdict(document)


@FAST
@given(MESSAGES, st.sampled_from(FIELDS))
def test_a_message_with_one_field_removed_gets_one_verdict(document: Any, field: str) -> None:
    document.pop(field, None)
    assert_same_verdict(document)


@settings(max_examples=1500, deadline=None)
@given(_instant_texts())
def test_every_instant_text_gets_one_verdict(text: str) -> None:
    document = responded(1)
    document["at"] = text
    assert_same_verdict(document)


@pytest.mark.parametrize(
    "document",
    [
        {**responded(1), "at": "2026-09-01 12:01:00Z"},
        {**responded(1), "at": "2026-09-01t12:01:00.123456789z"},
        {**responded(1), "at": "1970-01-01T00:30:00+01:00"},
        {**responded(1), "at": "8999-12-31T23:00:00-23:59"},
        {**responded(1), "at": "2000-02-29T00:00:00Z"},
        {**responded(1), "at": "2100-02-29T00:00:00Z"},
        {**responded(1), "at": "2026-09-01T12:00:60Z"},
        {**responded(1), "at": "9000-01-01T00:00:00Z"},
        {**responded(1), "at": "2026-09-01T12:00:00Z\n"},
        {**responded(1), "case_id": "C-1\n"},
        {**responded(1), "message_id": "two\nlines"},
        opened(severity=2.0),  # type: ignore[arg-type]
        opened(severity=2.5),  # type: ignore[arg-type]
        opened(severity=True),  # type: ignore[arg-type]
        opened(technologies=None) | {"technologies": None},
        opened() | {"subject": None},
        proposed(1, 3) | {"proposal_id": ""},
        proposed(1, 3) | {"proposal_id": None},
        {**responded(1), "type": "case.escalated"},
        {**responded(1), "actor": {"id": "", "role": "engineer"}},
        {**responded(1), "extra": {"kept": [1, 2]}},
    ],
    ids=repr,
)
def test_every_named_edge_gets_one_verdict(document: dict[str, Any]) -> None:
    assert_same_verdict(document)


def test_the_schema_names_every_message_type_once() -> None:
    branches = [SCHEMA["$defs"][ref["$ref"].split("/")[-1]] for ref in SCHEMA["oneOf"]]
    assert sorted(branch["properties"]["type"]["const"] for branch in branches) == sorted(
        MESSAGE_TYPES
    )
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "urn:casebook:schema:intake:v1"


def _nested(levels: int) -> object:
    value: object = 0
    for _ in range(levels):
        value = [value]
    return value


BEYOND_SCHEMA = {
    INTAKE_RULES_BEYOND_SCHEMA[0]: json.dumps({**responded(1), "body": "x" * 65_536}),
    INTAKE_RULES_BEYOND_SCHEMA[1]: json.dumps({**responded(1), "deep": _nested(64)}),
    INTAKE_RULES_BEYOND_SCHEMA[2]: json.dumps({**responded(1), "ratio": float("nan")}),
}


@pytest.mark.parametrize("rule", INTAKE_RULES_BEYOND_SCHEMA)
def test_each_rule_listed_beyond_the_schema_is_one_the_schema_cannot_see(rule: str) -> None:
    text = BEYOND_SCHEMA[rule]
    assert REFERENCE.is_valid(json.loads(text))
    assert isinstance(parse_message(text), InvalidMessage)


def test_a_lone_surrogate_is_beyond_the_schema_too() -> None:
    text = json.dumps(responded(1) | {"body": "\udc00"})
    assert REFERENCE.is_valid(json.loads(text))
    assert isinstance(parse_message(text), InvalidMessage)
