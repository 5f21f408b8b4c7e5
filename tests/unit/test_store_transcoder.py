"""The orjson transcoder keeps eventsourcing's stored format, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex

from consumers.store_transcoder import OrjsonTranscoder


def registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


STATES: list[dict[str, Any]] = [
    {
        "timestamp": datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=UTC),
        "originator_topic": "casebook:IntakeMessageTaken",
        "message_id": "m-1é",
        "case_id": None,
        "outcome": "rejected",
        "reason": "unknown_case",
    },
    {
        "timestamp": datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        "extra": {"nested": [1, 2.5, {"when": datetime(2026, 1, 6, tzinfo=UTC)}], "ok": True},
        "proposals": [["p1", 2, 3]],
        "unicode": "naïve ☃ \u2028",
    },
    {"amount": Decimal("1.10"), "id": UUID("12345678-1234-5678-1234-567812345678")},
    {"big": 2**70, "small": -1},
    # Beyond 64 bits and not a float's: orjson alone would read 2**70 back.
    {"big": 2**70 + 1, "huge": -(10**30) - 7, "extra": {"inner": 2**64 + 3}, "id": "1" * 25},
]


@pytest.mark.parametrize("state", STATES)
def test_reads_what_eventsourcing_writes_and_the_other_way_round(state: dict[str, Any]) -> None:
    reference = registered(JSONTranscoder())
    fast = registered(OrjsonTranscoder())
    assert fast.decode(reference.encode(state)) == state
    assert reference.decode(fast.encode(state)) == state
    assert fast.decode(fast.encode(state)) == state
    assert repr(fast.decode(fast.encode(state))) == repr(state)  # ints stay ints


def test_writes_the_same_bytes_as_eventsourcing_for_event_states() -> None:
    reference = registered(JSONTranscoder())
    fast = registered(OrjsonTranscoder())
    assert fast.encode(STATES[0]) == reference.encode(STATES[0])


def test_a_type_without_a_transcoding_is_refused_as_by_eventsourcing() -> None:
    from eventsourcing.persistence import TranscodingNotRegisteredError

    fast = registered(OrjsonTranscoder())
    with pytest.raises(TranscodingNotRegisteredError):
        fast.encode({"what": object()})
