"""Raw bytes in, a validated message or an `invalid_message` rejection out.

The size limit is checked before any parsing, so an oversized message costs nothing to refuse.
When a message is invalid, whatever identity can still be read from it (`message_id`,
`case_id`, `at`) is kept, so the rejection can be reported and de-duplicated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from domain.messages import (
    INSTANT_ADAPTER,
    INTAKE_MESSAGE_ADAPTER,
    MAX_MESSAGE_BYTES,
    IntakeMessage,
)
from domain.reasons import ReasonCode, Rejection


@dataclass(frozen=True, slots=True)
class InvalidMessage:
    """A message that failed validation, with what could be salvaged of its identity."""

    rejection: Rejection
    message_id: str | None
    case_id: str | None
    at: datetime | None


def parse_message(raw: bytes | str) -> IntakeMessage | InvalidMessage:
    """Validate one intake message (one Kafka value or one history-file line)."""
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > MAX_MESSAGE_BYTES:
        return _invalid(f"message is {size} bytes, over the {MAX_MESSAGE_BYTES}-byte limit", None)
    try:
        return INTAKE_MESSAGE_ADAPTER.validate_json(raw)
    except ValidationError as error:
        return _invalid(_describe(error), raw)


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "message"
    more = error.error_count() - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{where}: {first['msg']}{suffix}"


def _invalid(detail: str, raw: bytes | str | None) -> InvalidMessage:
    salvaged = _salvage(raw) if raw is not None else {}
    message_id = salvaged.get("message_id")
    case_id = salvaged.get("case_id")
    return InvalidMessage(
        rejection=Rejection(ReasonCode.INVALID_MESSAGE, detail),
        message_id=message_id
        if isinstance(message_id, str) and 0 < len(message_id) <= 128
        else None,
        case_id=case_id if isinstance(case_id, str) and len(case_id) <= 64 else None,
        at=_salvage_at(salvaged.get("at")),
    )


def _salvage(raw: bytes | str) -> dict[str, object]:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def _salvage_at(value: object) -> datetime | None:
    """The `at` of an invalid message, if it is one a valid message could have had."""
    if not isinstance(value, str):
        return None
    try:
        return INSTANT_ADAPTER.validate_python(value)
    except ValidationError:
        return None
