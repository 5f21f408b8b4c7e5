"""A corpus of hostile intake records, each with the one decision it must get.

Run by the offline replay (tests/unit/test_hostile_input.py) and by the live engine, produced
straight onto the intake topic by a raw Kafka producer
(tests/integration/test_hostile_records_live.py): both must decide every line, and the same.
The first entry is the line reported on 2026-11-27: 6 KB of arrays nested 3,000 deep, which
made replay, publish and the live intake raise RecursionError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CASE = "H-1"
"""The case the corpus's valid messages are about (opened by `VALID[0]`)."""
AT = "2026-09-01T12:00:00Z"


@dataclass(frozen=True)
class Hostile:
    name: str
    raw: bytes
    message_id: str | None
    """The id the rejection is listed by (None: unreadable, listed by line)."""
    reason: str = "invalid_message"


def _message(message_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "case_id": CASE,
        "type": "case.responded",
        "at": AT,
        "actor": {"id": "eng-1", "role": "engineer"},
        **fields,
    }


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def _with(message_id: str, json_value: str) -> bytes:
    """A valid message with one more field holding `json_value` verbatim."""
    return (_text(_message(message_id))[:-1] + ',"x":' + json_value + "}").encode()


def _nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


VALID: list[bytes] = [
    _text(
        {
            "message_id": "h-open",
            "case_id": CASE,
            "type": "case.opened",
            "at": AT,
            "actor": {"id": "acme", "role": "customer"},
            "customer": {"id": "acme", "tier": "enterprise"},
            "severity": 2,
        }
    ).encode(),
    _text(_message("h-respond", at="2026-09-01T12:30:00Z")).encode(),
    _with("h-depth-64", _nested(63)).replace(
        AT.encode(), b"2026-09-01T12:35:00Z"
    ),  # the message object is level 1: 64 levels, fine
    _text(_message("h-bignum", x=2**200, at="2026-09-01T12:40:00Z")).encode(),
    _text(
        _message("h-nul", body="a\u0000b", x={"\u0000": "\u0000"}, at="2026-09-01T12:45:00Z")
    ).encode(),  # NUL in free text and extra fields is kept (as JSON text on every store)
    _text(
        _message(
            "h-propose",
            type="severity.proposed",
            severity=3,
            reason="r",
            proposal_id="",
            at="2026-09-01T12:50:00Z",
        )
    ).encode(),  # proposal_id "" means absent: the proposal is named h-propose
    _text(
        _message(
            "h-agree",
            type="severity.agreed",
            actor={"id": "acme", "role": "customer"},
            proposal_id="h-propose",
            at="2026-09-01T13:00:00Z",
        )
    ).encode(),
]
"""Valid messages the corpus is interleaved with: each must be accepted as if it were alone."""

_SEVERITY_35E_1 = _text(_message("h-exp", type="severity.proposed", reason="r"))[:-1].encode() + (
    b',"severity":35e-1}'
)
_TECHNOLOGIES_NULL = _text(
    {
        "message_id": "h-tech-null",
        "case_id": "H-2",
        "type": "case.opened",
        "at": AT,
        "actor": {"id": "acme", "role": "customer"},
        "customer": {"id": "acme", "tier": "enterprise"},
        "severity": 2,
        "technologies": None,
    }
).encode()

HOSTILE: list[Hostile] = [
    Hostile("3,000 nested arrays", ("[" * 3000 + "]" * 3000).encode(), None),
    Hostile(
        "3,000 nested arrays in a message", _with("h-deep-arrays", _nested(3000)), "h-deep-arrays"
    ),
    Hostile(
        "3,000 nested objects in a message",
        _with("h-deep-objects", '{"a":' * 3000 + "1" + "}" * 3000),
        "h-deep-objects",
    ),
    Hostile("65 levels", _with("h-depth-65", _nested(64)), "h-depth-65"),
    Hostile("deep and unclosed", _with("h-unclosed", "[" * 5000)[:-1], None),
    Hostile("NaN", _with("h-nan", "NaN"), "h-nan"),
    Hostile("Infinity", _with("h-inf", "Infinity"), "h-inf"),
    Hostile("-Infinity", _with("h-minf", "-Infinity"), "h-minf"),
    Hostile(
        "invalid UTF-8",
        _with("h-utf8", '"\xff\xfe"').replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"),
        None,
    ),
    Hostile(
        "lone surrogate id",
        _text(_message("h-surrogate")).replace("h-surrogate", "\\ud800").encode(),
        None,
    ),
    Hostile(
        "lone surrogate in a field", _with("h-surrogate-field", '"\\udc00"'), "h-surrogate-field"
    ),
    Hostile(
        "severity 2.5",
        _text(_message("h-float", type="severity.proposed", severity=2.5, reason="r")).encode(),
        "h-float",
    ),
    Hostile("severity 35e-1", _SEVERITY_35E_1, "h-exp"),
    Hostile("technologies null", _TECHNOLOGIES_NULL, "h-tech-null"),
    Hostile("truncated", _text(_message("h-truncated"))[:40].encode(), None),
    Hostile("a JSON string", b'"just a string"', None),
    Hostile("null", b"null", None),
    Hostile("seconds :60", _text(_message("h-leap", at="2026-09-01T12:59:60Z")).encode(), "h-leap"),
    Hostile(
        "offset +24:00",
        _text(_message("h-offset", at="2026-09-01T12:00:00+24:00")).encode(),
        "h-offset",
    ),
    Hostile("NUL in the message id", _text(_message("h-\u0000")).encode(), None),
    Hostile(
        "NUL in the actor id",
        _text(_message("h-nul-actor", actor={"id": "e\u0000", "role": "engineer"})).encode(),
        "h-nul-actor",
    ),
    Hostile("id of 129", _text(_message("m" * 129)).encode(), None),
    Hostile(
        "actor id of 129",
        _text(_message("h-actor-129", actor={"id": "e" * 129, "role": "engineer"})).encode(),
        "h-actor-129",
    ),
    Hostile("over 64 KiB", _text(_message("h-huge", body="z" * 66_000)).encode(), None),
    Hostile("binary", bytes(b for b in range(256) if b not in b"\r\n"), None),
    Hostile(
        "out of order",
        _text(_message("h-late", at="2026-09-01T12:10:00Z")).encode(),
        "h-late",
        "out_of_order",
    ),
]
"""Every hostile record and its decision; the 'out of order' one follows `VALID[1]`."""


def interleaved() -> list[bytes]:
    """The valid messages with the hostile records between them (the late one after the
    first response, so it is out of order)."""
    lines = [VALID[0], VALID[1]]
    rest = VALID[2:]
    for n, hostile in enumerate(HOSTILE):
        lines.append(hostile.raw)
        if n % 6 == 5 and rest:
            lines.append(rest.pop(0))
    return lines + rest


def expected_rejections() -> list[dict[str, Any]]:
    """The replay report's `rejected` list for `interleaved()` (line numbers 1-based)."""
    by_raw = {hostile.raw: hostile for hostile in HOSTILE}
    expected: list[dict[str, Any]] = []
    for number, raw in enumerate(interleaved(), start=1):
        hostile = by_raw.get(raw)
        if hostile is None:
            continue
        if hostile.message_id is None:
            expected.append({"line": number, "reason": hostile.reason})
        else:
            case_id = "H-2" if hostile.name == "technologies null" else CASE
            expected.append(
                {"message_id": hostile.message_id, "case_id": case_id, "reason": hostile.reason}
            )
    return expected
