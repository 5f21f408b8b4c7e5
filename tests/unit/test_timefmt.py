"""The instant texts the hash chain and the reports are made of: one format, two fixed widths."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.timefmt import (
    format_exact_instant,
    format_instant,
    format_offset_instant,
    parse_instant,
)

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
def test_wire_v1_text_is_utc_with_microseconds_and_an_offset(instant: datetime, text: str) -> None:
    assert format_offset_instant(instant) == text
    assert format_offset_instant(instant) == instant.astimezone(UTC).isoformat(
        timespec="microseconds"
    )
    assert format_exact_instant(instant) == text.replace("+00:00", "Z")


INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(8999, 12, 31), timezones=st.just(UTC)
)


@given(INSTANTS, INSTANTS)
def test_texts_of_one_width_compare_as_their_instants(first: datetime, second: datetime) -> None:
    assert (format_exact_instant(first) < format_exact_instant(second)) == (first < second)
    seconds = (first.replace(microsecond=0), second.replace(microsecond=0))
    texts = (str(format_instant(first)), str(format_instant(second)))
    assert (texts[0] < texts[1]) == (seconds[0] < seconds[1])
    assert parse_instant(format_exact_instant(first)) == first


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


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-09-01T23:47:33+02:00", datetime(2026, 9, 1, 21, 47, 33, tzinfo=UTC)),
        ("2026-09-01T21:47:33Z", datetime(2026, 9, 1, 21, 47, 33, tzinfo=UTC)),
        ("2026-09-01T21:47:33", datetime(2026, 9, 1, 21, 47, 33, tzinfo=UTC)),  # naive: UTC
    ],
)
def test_a_given_instant_is_read_in_utc(text: str, instant: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == instant and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-05:00", "yesterday"]
)
def test_an_instant_without_a_utc_equivalent_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)
