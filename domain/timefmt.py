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
    """Read an RFC 3339 instant given on a command line or in a query, in UTC; a naive one is
    taken as UTC. ValueError for what is not one, including an instant that has no UTC
    equivalent (year 1 with a positive offset, year 9999 with a negative one)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} has no UTC equivalent (out of range)") from None
