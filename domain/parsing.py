"""Raw bytes in, a validated message or an `invalid_message` rejection out.

Every input ends here as one of the two, in time and memory bounded by the size limit: this
is the engine's poison-message defence (contract 1.1, "Input hygiene"). In order:

1. a UTF-8 byte-order mark at the start is ignored;
2. the size limit is checked before any parsing, so an oversized record costs nothing;
3. nesting deeper than `MAX_DEPTH` and the non-numbers `NaN`/`Infinity` are found by a scan
   of the bytes' tokens (strings skipped), before a parser could recurse on them;
4. pydantic validates the rest (strict types, RFC 3339 instants, UTF-8).

When a message is invalid, whatever identity can still be read from its top level
(`message_id`, `case_id`, `at`) is kept, so the rejection can be reported, dated and
de-duplicated; each piece only if a valid message could have had it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from domain.messages import (
    INSTANT_ADAPTER,
    INTAKE_MESSAGE_ADAPTER,
    MAX_MESSAGE_BYTES,
    CaseId,
    IntakeMessage,
    MessageId,
)
from domain.reasons import ReasonCode, Rejection, failed_decision

BOM = b"\xef\xbb\xbf"
MAX_DEPTH = 64
"""Containers nested in a message, the message object itself counting 1 (contract 1.1)."""

_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|NaN|Infinity', re.DOTALL)
"""What the pre-scan looks at: whole strings (skipped, so brackets inside them do not count),
brackets, and the two non-numbers Python's and pydantic's parsers would take."""

T = TypeVar("T")

_MESSAGE_ID: TypeAdapter[str] = TypeAdapter(MessageId)
_CASE_ID: TypeAdapter[str] = TypeAdapter(CaseId)


@dataclass(frozen=True, slots=True)
class InvalidMessage:
    """A message that failed validation, with what could be salvaged of its identity."""

    rejection: Rejection
    message_id: str | None
    case_id: str | None
    at: datetime | None


def parse_message(raw: bytes | str) -> IntakeMessage | InvalidMessage:
    """Validate one intake message (one Kafka value or one history-file line)."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:
            return _invalid("message: not valid UTF-8 (a lone surrogate)", None)
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    size = len(raw)
    if size > MAX_MESSAGE_BYTES:
        return _invalid(f"message is {size} bytes, over the {MAX_MESSAGE_BYTES}-byte limit", None)
    hostile = _hostile_shape(raw)
    if hostile is not None:
        return _invalid(hostile, _top_level(raw))
    try:
        return INTAKE_MESSAGE_ADAPTER.validate_json(raw)
    except ValidationError as error:
        return _invalid(_describe(error), raw)


def _hostile_shape(raw: bytes) -> str | None:
    """Why the bytes must not reach a recursive parser, or None. Two C-speed counts decide
    for nearly every message that no token scan is needed."""
    deep = raw.count(b"[") + raw.count(b"{") > MAX_DEPTH
    if not deep and b"NaN" not in raw and b"Infinity" not in raw:
        return None
    depth = 0
    for token in _TOKENS.finditer(raw):
        text = token.group()
        first = text[0]
        if first == 0x22:  # '"': a string, whatever it holds
            continue
        if first in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"message: nested deeper than {MAX_DEPTH} levels"
        elif first in b"]}":
            depth -= 1
        else:
            return f"message: {text.decode()} is not a JSON number"
    return None


def _top_level(raw: bytes) -> bytes | None:
    """The message with every container below its top level replaced by `null`: what can be
    read of a message too deep to parse, in one bounded pass (None if it is not an object
    whose containers all close)."""
    pieces: list[bytes] = []
    depth = kept_from = 0
    for token in _TOKENS.finditer(raw):
        first = token.group()[0]
        if first in b"[{":
            depth += 1
            if depth == 2:
                pieces.append(raw[kept_from : token.start()])
        elif first in b"]}":
            depth -= 1
            if depth == 1:
                pieces.append(b"null")
                kept_from = token.end()
            elif depth < 0:
                return None
    if depth != 0:
        return None
    pieces.append(raw[kept_from:])
    return b"".join(pieces)


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "message"
    more = error.error_count() - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{where}: {first['msg']}{suffix}"


def _invalid(detail: str, raw: bytes | None) -> InvalidMessage:
    identity = _identity(raw)
    return InvalidMessage(
        Rejection(ReasonCode.INVALID_MESSAGE, detail),
        identity.message_id,
        identity.case_id,
        identity.at,
    )


@dataclass(frozen=True, slots=True)
class Identity:
    """What names and dates a record that could not be taken as a message."""

    message_id: str | None
    case_id: str | None
    at: datetime | None


def salvage_identity(raw: bytes) -> Identity:
    """The readable identity of any record, bounded like `parse_message` (for a record whose
    decision failed: the caller refuses it by what can be read of it)."""
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    if len(raw) > MAX_MESSAGE_BYTES:
        return Identity(None, None, None)
    return _identity(_top_level(raw) if _hostile_shape(raw) is not None else raw)


def failed_decision_message(raw: bytes, error: Exception) -> InvalidMessage:
    """A record whose decision raised, as the refusal `decision_failed` (the last line of
    defence of the replay and the live intake), named by what can be read of it."""
    identity = salvage_identity(raw)
    return InvalidMessage(
        failed_decision(error), identity.message_id, identity.case_id, identity.at
    )


def _identity(raw: bytes | None) -> Identity:
    salvaged = _salvage(raw) if raw is not None else {}
    return Identity(
        _valid_or_none(_MESSAGE_ID, salvaged.get("message_id")),
        _valid_or_none(_CASE_ID, salvaged.get("case_id")),
        _valid_or_none(INSTANT_ADAPTER, salvaged.get("at")),
    )


def _salvage(raw: bytes) -> dict[str, Any]:
    """The top-level object, read leniently (Python's parser takes `NaN` and lone surrogates
    pydantic refuses): the pieces are checked one by one after. Depth is already bounded."""
    try:
        document = json.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        return {}
    return document if isinstance(document, dict) else {}


def _valid_or_none(adapter: TypeAdapter[T], value: object) -> T | None:
    """A salvaged piece, kept only if a valid message could have had it."""
    if not isinstance(value, str) or not _encodable(value):
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _encodable(text: str) -> bool:
    """False for a text holding a lone surrogate: no store or topic could hold it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
