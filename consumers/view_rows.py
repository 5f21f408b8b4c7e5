"""Rows of the views and the values they are made of: instants as ISO text (microseconds
since the epoch where they are compared), JSON with sorted keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from projections.rejections import RejectedMessage
from projections.sla import SlaCase

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rejection_params(rejection: RejectedMessage) -> tuple[Any, ...]:
    assert rejection.source is not None
    _, part, offset = rejection.source.rsplit("|", 2)
    return (
        rejection.source,
        int(part),
        int(offset),
        rejection.message_id,
        rejection.case_id,
        rejection.reason,
        rejection.detail,
        iso(rejection.at),
    )


def json_text(value: Any) -> str:
    """JSON text with sorted keys, read back with `json.loads`: orjson's (a tenth of the
    standard library's time, for two columns of every audit row), else the standard
    library's for what orjson refuses (integers beyond 64 bits, which a message may carry
    in its extra fields)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:
        return json.dumps(value, sort_keys=True)


def sla_params(row: SlaCase) -> tuple[Any, ...]:
    changes = json.dumps([[at.isoformat(), severity] for at, severity in row.severity_changes])
    return (
        row.case_id,
        row.customer_id,
        row.sla_severity,
        row.requested_severity,
        row.opened_at.isoformat(),
        row.due_at.isoformat(),
        iso(row.first_response_at),
        iso(row.closed_at),
        changes,
        row.version,
        None if row.warn_at is None else json.dumps([at.isoformat() for at in row.warn_at]),
    )


def micros(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(microseconds=1)


def iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def rejected_message(row: Any) -> RejectedMessage:
    return RejectedMessage(
        reason=row[3],
        detail=row[4],
        message_id=row[1],
        case_id=row[2],
        at=datetime.fromisoformat(row[5]) if row[5] else None,
        source=row[0],
    )


def sla_case(row: Any) -> SlaCase:
    return SlaCase(
        case_id=row[0],
        customer_id=row[1],
        sla_severity=row[2],
        requested_severity=row[3],
        opened_at=datetime.fromisoformat(row[4]),
        due_at=datetime.fromisoformat(row[5]),
        first_response_at=datetime.fromisoformat(row[6]) if row[6] else None,
        closed_at=datetime.fromisoformat(row[7]) if row[7] else None,
        severity_changes=[(datetime.fromisoformat(at), sev) for at, sev in json.loads(row[8])],
        version=row[9],
        warn_at=_warn_at(row[10]) if len(row) > 10 and row[10] else None,
    )


def _warn_at(text: str) -> tuple[datetime, datetime]:
    half, three_quarters = json.loads(text)
    return datetime.fromisoformat(half), datetime.fromisoformat(three_quarters)
