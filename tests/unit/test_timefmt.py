"""The instant texts the hash chain and the report are made of: fast paths, same text."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.event_wire import utc_text
from domain.timefmt import format_instant

PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 9, 1, 21, 47, 33, 120000, tzinfo=UTC), "2026-09-01T21:47:33.120000+00:00"),
        # No microseconds: still six digits (plain `isoformat()` would drop them).
        (datetime(2026, 9, 1, 21, 47, 33, tzinfo=UTC), "2026-09-01T21:47:33.000000+00:00"),
        (datetime(2026, 9, 1, 23, 47, 33, 5, tzinfo=PLUS_TWO), "2026-09-01T21:47:33.000005+00:00"),
        (datetime(2026, 9, 1, 23, 47, 33, tzinfo=PLUS_TWO), "2026-09-01T21:47:33.000000+00:00"),
    ],
)
def test_utc_text_is_utc_with_microseconds(instant: datetime, text: str) -> None:
    assert utc_text(instant) == text
    assert utc_text(instant) == instant.astimezone(UTC).isoformat(timespec="microseconds")


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 9, 1, 21, 47, 33, 999999, tzinfo=UTC), "2026-09-01T21:47:33Z"),
        (datetime(2026, 9, 1, 21, 47, 33, tzinfo=UTC), "2026-09-01T21:47:33Z"),
        (datetime(2026, 9, 2, 0, 30, tzinfo=PLUS_TWO), "2026-09-01T22:30:00Z"),
        # Four year digits always (glibc's strftime writes "999-...").
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
    ],
)
def test_format_instant_prints_whole_seconds_in_utc(instant: datetime, text: str) -> None:
    assert format_instant(instant) == text


def test_format_instant_of_nothing_is_nothing() -> None:
    assert format_instant(None) is None
