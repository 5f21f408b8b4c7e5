"""Input limits are enforced before any expensive work: an oversized message is refused
without being parsed (the JSON validator and the salvaging parser are never called)."""

from __future__ import annotations

import json

import pytest

import domain.parsing as parsing
from domain.parsing import MAX_MESSAGE_BYTES, InvalidMessage, parse_message


class Exploded(AssertionError):
    pass


def explode(*_: object, **__: object) -> object:
    raise Exploded("JSON parsing was attempted")


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    class Validator:
        validate_json = staticmethod(explode)
        validate_python = staticmethod(explode)

    monkeypatch.setattr(parsing, "INTAKE_MESSAGE_ADAPTER", Validator())
    monkeypatch.setattr(parsing.json, "loads", explode)


@pytest.mark.parametrize("extra", [1, 70 * 1024, 1_000_000])
def test_an_oversized_message_is_refused_without_parsing(no_parsing: None, extra: int) -> None:
    raw = b'{"message_id": "m-1", "note": "' + b"x" * (MAX_MESSAGE_BYTES + extra) + b'"}'
    parsed = parse_message(raw)
    assert isinstance(parsed, InvalidMessage)
    assert "over the" in parsed.rejection.detail
    assert parsed.message_id is None  # not even salvaged: that would parse it


def test_a_message_at_the_limit_is_parsed(no_parsing: None) -> None:
    raw = b" " * MAX_MESSAGE_BYTES
    with pytest.raises(Exploded):
        parse_message(raw)


def test_an_overlong_message_id_is_not_kept() -> None:
    document = {
        "message_id": "m" * 129,
        "case_id": "C-1",
        "type": "opened",
        "at": "2026-01-01T00:00:00Z",
    }
    parsed = parse_message(json.dumps(document).encode())
    assert isinstance(parsed, InvalidMessage)
    assert parsed.message_id is None
