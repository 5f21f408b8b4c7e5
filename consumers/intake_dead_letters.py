"""A refused intake record as the dead letter the store keeps: every byte of it, and why.

The record's key, value and headers are kept base64-encoded as they came (a dead letter is
proof of what was received, not of what could be read), with the reason code and detail.
"""

from __future__ import annotations

import base64

from kafka.consumer.fetcher import ConsumerRecord

from domain.desk import Rejected
from domain.ledger import DeadLetter, dead_letter_event
from domain.timefmt import format_exact_instant


def dead_letter_of(record: ConsumerRecord, outcome: Rejected) -> DeadLetter.Created:
    return dead_letter_event(
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        key_b64=_b64(record.key) if record.key is not None else None,
        value_b64=_b64(record.value or b""),
        headers=[[name, _b64(value or b"")] for name, value in (record.headers or [])],
        reason=outcome.rejection.reason.value,
        detail=outcome.rejection.detail,
        message_id=outcome.message_id,
        case_id=outcome.case_id,
        at=format_exact_instant(outcome.at) if outcome.at else None,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
