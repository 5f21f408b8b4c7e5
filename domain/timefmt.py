"""Instants as Casebook writes them: RFC 3339 in UTC, `T` and `Z`, a four-digit year.

Two widths of the one format, each fixed, so texts of one field compare as their instants
do: to the second where the contract prints seconds (reports, the API, warnings, status,
CSV), `2026-09-01T21:47:33Z`; to the microsecond, always six digits, where the exact
instant is the record (published events and their data, dead letters),
`2026-09-01T21:47:33.000000Z`. Events published before wire v2 keep the `+00:00` text
their hashes cover (`format_offset_instant`).
"""

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


def format_exact_instant(instant: datetime) -> str:
    """`2026-09-01T21:47:33.000000Z`: UTC, microseconds always (what a wire v2 hash covers)."""
    return f"{format_offset_instant(instant)[:-6]}Z"


def format_offset_instant(instant: datetime) -> str:
    """`2026-09-01T21:47:33.000000+00:00`: wire v1's text (what a v1 event's hash covers)."""
    if instant.tzinfo is not UTC:  # events are recorded in UTC already: skip the conversion
        instant = instant.astimezone(UTC)
    # Plain `isoformat()` writes the microseconds unless they are zero, and parses no
    # keyword: a third faster than `isoformat(timespec="microseconds")`, same text.
    return (
        instant.isoformat() if instant.microsecond else instant.isoformat(timespec="microseconds")
    )


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
