"""Instants as the contract prints them: UTC, to the second, `Z`-suffixed."""

from __future__ import annotations

from datetime import UTC, datetime

END_OF_TIME = datetime.max.replace(tzinfo=UTC)
"""An instant after every other: "as of" it, everything recorded counts."""


def to_utc(instant: datetime) -> datetime:
    """The same instant in UTC (inputs are always offset-aware: naive ones never get this far)."""
    return instant.astimezone(UTC)


def format_instant(instant: datetime | None) -> str | None:
    """`2026-09-01T21:47:33Z`; sub-second digits are dropped, as the contract prints seconds."""
    if instant is None:
        return None
    # `isoformat` and a cut, not `strftime`: half the time, and always four year digits
    # (glibc's `%Y` drops the leading zeros of years before 1000).
    return f"{instant.astimezone(UTC).isoformat()[:19]}Z"


def parse_instant(text: str) -> datetime:
    """Read an RFC 3339 instant given on a command line; a naive one is taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
