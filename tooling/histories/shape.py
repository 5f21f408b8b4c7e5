"""The shape of a generated history: the default policy's tables restated, and the lines
and messages it is written in."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

TARGET_MINUTES = {1: 120, 2: 360, 3: 720, 4: 1440}
CAP_LEVEL = 2
CAPPED_TECHNOLOGIES = ("dotnet", ".net", "mssql", "ms-sql", "sqlserver")
OTHER_TECHNOLOGIES = ("java", "php", "nodejs", "python", "ruby", "go", "mysql", "postgresql")
TIERS = ("hosting_provider",) * 4 + ("enterprise",) * 3 + ("developer",)
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
MAX_MESSAGE_BYTES = 64 * 1024


class HistoryFull(Exception):
    """The requested number of lines has been written."""


@dataclass
class Line:
    arrive: datetime
    seq: int
    raw: bytes
    reason: str | None = None  # None: accepted, or a duplicate
    message_id: str | None = None  # as the rejection report names it
    case_id: str | None = None
    at: datetime | None = None  # as the rejection report dates it
    valid_at: datetime | None = None  # `at` of a parseable message (counts towards the default T)
    duplicate: bool = False


def message_dict(
    message_id: str, case_id: str, type_: str, at: datetime, actor_id: str, role: str, **fields: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "case_id": case_id,
        "type": type_,
        "at": rfc3339(at),
        "actor": {"id": actor_id, "role": role},
    }
    message.update(fields)
    return message


def valid_line(
    message: dict[str, Any], at: datetime, arrive: datetime, seq: int, reason: str | None
) -> Line:
    return Line(
        arrive,
        seq,
        encode(message),
        reason,
        message["message_id"],
        message["case_id"],
        at,
        valid_at=at,
    )


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode("utf-8") + b"\n"


def rfc3339(at: datetime) -> str:
    """Mostly `Z`, sometimes another offset: the same instant either way."""
    if at.minute % 7 == 3:
        return at.astimezone(timezone(timedelta(hours=2))).isoformat()
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def z_instant(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None


def spell(rng: random.Random, technology: str) -> str:
    return "".join(ch.upper() if rng.random() < 0.5 else ch for ch in technology)


def visible_at(at: datetime | None, as_of: datetime | None) -> bool:
    return at is None or as_of is None or at <= as_of


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, Any] = {"opened": len(rows), "met": 0, "breached": 0, "pending": 0, "void": 0}
    for row in rows:
        counts[row["status"]] += 1
    judged = counts["met"] + counts["breached"]
    counts["compliance"] = counts["met"] / judged if judged else None
    return counts
