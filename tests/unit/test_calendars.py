"""Business time and due instants (contract SLA 2.0) against a brute-force oracle.

The oracle knows nothing of spans or offsets: it walks real time minute by minute and asks,
for each minute, the contract's own question (is its local date a holiday, is its local
wall-clock time inside an interval of that weekday?). Random calendars in zones with DST
changes (Berlin, New York, Lord Howe's 30-minute shift, Kathmandu's +05:45), holidays and
instants near the changes; then the named edges as examples.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.calendars import ALWAYS_OPEN, NEVER, Calendar, merged
from domain.zones import UnknownZone, load_zone

MINUTE = timedelta(minutes=1)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu")
CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Berlin skips 02:00-03:00
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Berlin repeats 02:00-03:00
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York skips 02:00-03:00
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York repeats 01:00-02:00
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe: 02:00 back to 01:30
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe: 02:00 on to 02:30
    datetime(2027, 1, 1, tzinfo=UTC),
]
ORACLE_LIMIT = timedelta(days=12)


def oracle_open(calendar: Calendar, instant: datetime) -> bool:
    local = instant.astimezone(calendar.zone)
    if local.date() in calendar.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in calendar.weekly[local.weekday()])


def oracle_minutes(calendar: Calendar, start: datetime, end: datetime) -> int:
    count, instant = 0, start
    while instant < end:
        count += oracle_open(calendar, instant)
        instant += MINUTE
    return count


def oracle_due(calendar: Calendar, start: datetime, minutes: int) -> datetime | None:
    """The end of the `minutes`-th open minute from `start` (None beyond the walk's limit)."""
    if minutes == 0:
        return start
    instant, seen = start, 0
    while instant < start + ORACLE_LIMIT:
        if oracle_open(calendar, instant):
            seen += 1
            if seen == minutes:
                return instant + MINUTE
        instant += MINUTE
    return None


@st.composite
def intervals(draw: st.DrawFn) -> list[tuple[int, int]]:
    chosen = []
    for _ in range(draw(st.integers(0, 3))):
        step = draw(st.sampled_from([1, 15, 30, 60]))
        start = draw(st.integers(0, 1439 // step)) * step
        end = draw(st.integers(start + 1, 1440))
        chosen.append((start, end))
    return chosen


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    zone = load_zone(draw(st.sampled_from(ZONES)))
    if draw(st.integers(0, 9)) == 0:
        weekly = ALWAYS_OPEN
    else:
        weekly = tuple(merged(draw(intervals())) for _ in range(7))
        assume(sum(end - start for day in weekly for start, end in day) >= 120)
    holidays = draw(
        st.frozensets(st.dates(date(2026, 3, 1), date(2027, 1, 10)), max_size=4)
        | st.sampled_from([frozenset({date(2026, 3, 29), date(2026, 10, 25)})])
    )
    return Calendar("random", zone, weekly, holidays)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    base = draw(st.sampled_from(CHANGES))
    return base + draw(st.integers(-3 * 24 * 60, 2 * 24 * 60)) * MINUTE


@settings(max_examples=250, deadline=None)
@given(calendars(), instants(), st.integers(0, 4 * 24 * 60))
def test_business_time_is_the_open_minutes_the_oracle_counts(
    calendar: Calendar, start: datetime, length: int
) -> None:
    end = start + length * MINUTE
    assert calendar.business_time(start, end) == oracle_minutes(calendar, start, end) * MINUTE


@settings(max_examples=250, deadline=None)
@given(calendars(), instants(), st.integers(0, 900))
def test_the_due_instant_is_where_the_oracle_reaches_the_target(
    calendar: Calendar, start: datetime, minutes: int
) -> None:
    expected = oracle_due(calendar, start, minutes)
    due = calendar.due(start, minutes * MINUTE)
    if expected is None:
        assert due is None or due > start + ORACLE_LIMIT
    else:
        assert due == expected
        assert calendar.business_time(start, due) == minutes * MINUTE


@settings(max_examples=100, deadline=None)
@given(calendars(), instants(), st.integers(1, 59_999_999), st.integers(0, 2 * 24 * 60))
def test_an_instant_inside_a_minute_counts_its_part_of_that_minute(
    calendar: Calendar, whole: datetime, microseconds: int, length: int
) -> None:
    start = whole + timedelta(microseconds=microseconds)  # inside the minute after `whole`
    next_minute = whole + MINUTE
    end = next_minute + length * MINUTE
    partial = (next_minute - start) if oracle_open(calendar, whole) else timedelta(0)
    expected = partial + oracle_minutes(calendar, next_minute, end) * MINUTE
    assert calendar.business_time(start, end) == expected


def walked_due(calendar: Calendar, start: datetime, target: timedelta) -> datetime | None:
    """The due instant by walking every open span (no year is skipped)."""
    for begin, end in calendar.spans_from(start):
        if target <= end - begin:
            return begin + target
        target -= end - begin
    return None


@st.composite
def sparse_calendars(draw: st.DrawFn) -> Calendar:
    weekly: list[tuple[tuple[int, int], ...]] = [()] * 7
    weekday = draw(st.integers(0, 6))
    start = draw(st.integers(0, 23)) * 60
    weekly[weekday] = ((start, start + draw(st.sampled_from([1, 30, 60, 120]))),)
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2046, 12, 31)), max_size=30))
    zone = load_zone(draw(st.sampled_from(ZONES)))
    return Calendar("sparse", zone, tuple(weekly), holidays)


@settings(max_examples=60, deadline=None)
@given(
    sparse_calendars(),
    st.datetimes(datetime(2026, 1, 1), datetime(2045, 1, 1), timezones=st.just(UTC)),
    st.integers(1, 6000),
)
def test_skipping_whole_years_gives_the_instant_a_walk_gives(
    calendar: Calendar, start: datetime, minutes: int
) -> None:
    """Across years (2038 included, where zones switch to their yearly rule), holidays and
    DST changes: the counted year totals agree with walking every span."""
    target = minutes * MINUTE
    assert calendar.due(start, target) == walked_due(calendar, start, target)


BERLIN = load_zone("Europe/Berlin")
OFFICE = Calendar(
    "eu-office",
    BERLIN,
    (
        ((480, 1080),),
        ((480, 720), (780, 1080)),
        ((480, 1080),),
        ((480, 1080),),
        ((480, 960),),
        (),
        (),
    ),
    frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_opened_outside_hours_the_clock_starts_at_the_next_opening() -> None:
    friday_evening = utc(2026, 11, 27, 19)  # 20:00 in Berlin
    assert OFFICE.due(friday_evening, 60 * MINUTE) == utc(2026, 11, 30, 8)  # Mon 09:00


def test_a_target_reached_at_the_end_of_a_span_is_due_at_its_closing() -> None:
    monday_morning = utc(2026, 11, 30, 7)  # 08:00
    assert OFFICE.due(monday_morning, 600 * MINUTE) == utc(2026, 11, 30, 17)  # 18:00, not Tue


def test_an_instant_exactly_at_the_due_instant_has_used_the_whole_target() -> None:
    start = utc(2026, 12, 1, 7)  # Tuesday 08:00: 08-12 and 13-18
    due = OFFICE.due(start, 300 * MINUTE)
    assert due == utc(2026, 12, 1, 13)  # 14:00: four hours, the lunch hour, one more
    assert OFFICE.business_time(start, due) == 300 * MINUTE
    assert OFFICE.business_time(start, due - timedelta(microseconds=1)) < 300 * MINUTE


def test_a_target_of_zero_is_due_at_its_start_even_when_closed() -> None:
    sunday = utc(2026, 11, 29, 12)
    assert OFFICE.due(sunday, timedelta(0)) == sunday


def test_holidays_close_whole_local_dates() -> None:
    start = utc(2026, 12, 23, 16)  # Wed 17:00: one hour left, then Thu/Fri are holidays
    assert OFFICE.due(start, 120 * MINUTE) == utc(2026, 12, 28, 8)  # Mon 09:00


def test_a_skipped_hour_is_never_open_and_a_repeated_one_is_open_twice() -> None:
    nights = Calendar("nights", BERLIN, (((60, 240),),) * 7)  # 01:00-04:00 local
    assert sum_of(nights.day_spans(date(2026, 3, 29))) == timedelta(hours=2)
    assert sum_of(nights.day_spans(date(2026, 10, 25))) == timedelta(hours=4)
    starts_in_gap = Calendar("gap", BERLIN, (((150, 240),),) * 7)  # 02:30-04:00
    assert starts_in_gap.day_spans(date(2026, 3, 29)) == (
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)),
    )


def test_an_interval_ending_in_a_repeated_hour_closes_each_time_the_clock_reaches_it() -> None:
    calendar = Calendar("ends-at-02:30", BERLIN, (((0, 150),),) * 7)  # 00:00-02:30
    assert calendar.day_spans(date(2026, 10, 25)) == (
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30)),  # 00:00-02:30 summer time
        (utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30)),  # 02:00-02:30 again, winter time
    )


def test_a_holiday_on_a_dst_date_closes_all_of_its_23_or_25_hours() -> None:
    always = Calendar("always", BERLIN, ALWAYS_OPEN, frozenset({date(2026, 10, 25)}))
    day = (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))  # the local date: 25 hours
    assert always.business_time(*day) == timedelta(0)
    assert always.business_time(utc(2026, 10, 24), utc(2026, 10, 27)) == timedelta(hours=72 - 25)


def test_days_that_touch_at_midnight_are_one_continuous_span() -> None:
    late = Calendar("late", BERLIN, ((), (), (), (), ((1320, 1440),), ((0, 120),), ()))
    friday_2200 = utc(2026, 11, 27, 21)
    assert late.due(friday_2200, 240 * MINUTE) == utc(2026, 11, 28, 1)  # Sat 02:00


def test_a_due_instant_after_year_9000_is_never() -> None:
    sparse = Calendar("sparse", load_zone("UTC"), ((), (), (), (), (), (), ((0, 1),)))
    assert sparse.due(utc(8999, 12, 1), 100 * MINUTE) is None
    assert OFFICE.due(utc(2026, 11, 30, 7), 60 * MINUTE) == utc(2026, 11, 30, 8) < NEVER


@pytest.mark.parametrize(
    "name", ["+02:00", "Etc/GMT+2", "GMT-5", "Mars/Olympus", "../etc/passwd", ""]
)
def test_a_fixed_offset_or_unknown_zone_is_refused(name: str) -> None:
    with pytest.raises(UnknownZone):
        load_zone(name)


def test_zones_come_from_the_tzdata_package() -> None:
    import tzdata

    from domain.zones import TZDATA_VERSION

    assert TZDATA_VERSION == tzdata.IANA_VERSION
    assert load_zone("Asia/Kathmandu").utcoffset(datetime(2026, 1, 1)) == timedelta(
        hours=5, minutes=45
    )


def sum_of(spans: tuple[tuple[datetime, datetime], ...]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta(0))
