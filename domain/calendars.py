"""Business-hours calendars (contract SLA 2.0): open spans, business time, due instants.

An instant is open when its local date (in the calendar's zone) is not a holiday and its
local wall-clock time lies in one of the `[start, end)` intervals of that date's weekday. So
an hour that a DST change skips is never open, a repeated hour inside an interval is open
both times, and business time is real (UTC) time: an interval 01:00-04:00 on a night that
skips 02:00 is two hours long.

The open set of a local date is computed once per date (cached) as real UTC spans: on each
stretch of constant UTC offset the wall-clock interval `[d+s, d+e)` is the real span
`[d+s-offset, d+e-offset)`. Offset changes come from the zone itself (probed every three
hours, then bisected to the second: tz rules change on whole seconds). Pure and exact to the
microsecond: no clock, no rounding.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

Span = tuple[datetime, datetime]
"""`[start, end)` in UTC."""
Intervals = tuple[tuple[int, int], ...]
"""`[start, end)` minutes of a local day (0-1440), sorted and merged."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN: tuple[Intervals, ...] = (((0, 1440),),) * 7
NEVER = datetime(9000, 1, 1, tzinfo=UTC)
"""A due instant after it is "never" (contract: printed null, never breached)."""
_PROBE = timedelta(hours=3)
_RULE_PROBE = timedelta(days=7)
_RULES_FROM = 2038
"""From 2038 on, zone files give no explicit transitions, only their yearly rule (at most
two changes a year, months apart), so a weekly probe finds every change."""
_DAY = timedelta(days=1)
_LAST_DAY = date(9000, 1, 2)


def merged(intervals: list[tuple[int, int]]) -> Intervals:
    """The union of intervals that may touch or overlap, as sorted disjoint intervals."""
    result: list[list[int]] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return tuple((start, end) for start, end in result)


@dataclass(frozen=True, eq=False)
class Calendar:
    """A desk's hours: a zone, weekly intervals (Monday first), whole-day holidays.

    Compared and hashed by identity (the day cache is keyed by it); `content_hash` names
    the content (contract: SHA-256 of the calendar as the policy wrote it)."""

    id: str
    zone: tzinfo
    weekly: tuple[Intervals, ...]
    holidays: frozenset[date] = frozenset()
    content_hash: str = ""

    def day_spans(self, day: date) -> tuple[Span, ...]:
        """The open spans of one local date, in UTC order."""
        return _day_spans(self, day)

    def spans_from(self, start: datetime) -> Iterator[Span]:
        """Open spans from `start` on, the first clipped to it, until year 9000."""
        day = self._local_date(start) - _DAY
        while day < _LAST_DAY:
            for begin, end in self.day_spans(day):
                if end > start:
                    yield max(begin, start), end
            day += _DAY

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """The open (real) time in `[start, end)`."""
        total = timedelta(0)
        if end <= start:
            return total
        day, last = self._local_date(start) - _DAY, self._local_date(end) + _DAY
        while day <= last:
            for begin, finish in self.day_spans(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
            day += _DAY
        return total

    def due(self, start: datetime, target: timedelta) -> datetime | None:
        """The earliest instant D with `business_time(start, D) == target`; None ("never")
        if that is after 9000-01-01. Reached at the end of an open span, D is its closing.

        Walks the local dates from `start`, but skips a whole local year at once when the
        target lies beyond it (its total is counted, not walked: see `_year_total`), so a
        sparse calendar answers as fast as a busy one."""
        if target <= timedelta(0):
            return start
        remaining = target
        first = self._local_date(start)
        day = first - _DAY
        while day < _LAST_DAY:
            if day.month == 1 and day.day == 1 and day > first + _DAY:
                total = _year_total(self, day.year)
                if remaining > total:
                    remaining -= total
                    day = date(day.year + 1, 1, 1) if day.year < 8999 else _LAST_DAY
                    continue
            for begin, end in self.day_spans(day):
                if end <= start:
                    continue
                begin = max(begin, start)
                length = end - begin
                if remaining <= length:
                    due = begin + remaining
                    return None if due > NEVER else due
                remaining -= length
            day += _DAY
        return None

    def reached_within(self, spans: list[Span], target: timedelta) -> datetime | None:
        """The instant the open time within `spans` (in order, disjoint) reaches `target`;
        None if it does not within them (a clock that ran only over `spans`)."""
        total = timedelta(0)
        for start, end in spans:
            length = self.business_time(start, end)
            if total + length >= target:
                return self.due(start, target - total)
            total += length
        return None

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


def _wall_minutes(intervals: Intervals) -> timedelta:
    return timedelta(minutes=sum(end - start for start, end in intervals))


@functools.lru_cache(maxsize=16_384)
def _year_total(calendar: Calendar, year: int) -> timedelta:
    """The open time of the local dates of one year, counted rather than walked: a date of
    constant UTC offset is open exactly its intervals' wall-clock minutes, so the year is
    the weekdays' minutes, less its holidays', corrected on the few dates an offset change
    touches (computed from their spans)."""
    first, following = date(year, 1, 1), date(year + 1, 1, 1)
    week = [_wall_minutes(intervals) for intervals in calendar.weekly]
    total = 52 * sum(week, timedelta(0))  # 364 days: 52 of each weekday, then 1 or 2 more
    for extra in range((following - first).days - 364):
        total += week[(first.weekday() + extra) % 7]
    for holiday in calendar.holidays:
        if holiday.year == year:
            total -= _wall_minutes(calendar.weekly[holiday.weekday()])
    touched: set[date] = set()
    for instant, _ in _changes_between(
        calendar.zone,
        datetime(year, 1, 1, tzinfo=UTC) - 2 * _DAY,
        datetime(year, 12, 31, tzinfo=UTC) + 3 * _DAY,
    ):
        for moment in (instant - timedelta(seconds=1), instant):
            touched.add(moment.astimezone(calendar.zone).date())
    for day in touched:
        if day.year == year and day not in calendar.holidays:
            spans = _day_spans(calendar, day)
            total += sum((end - begin for begin, end in spans), timedelta(0))
            total -= _wall_minutes(calendar.weekly[day.weekday()])
    return total


@functools.lru_cache(maxsize=65_536)
def _day_spans(calendar: Calendar, day: date) -> tuple[Span, ...]:
    if day in calendar.holidays:
        return ()
    intervals = calendar.weekly[day.weekday()]
    if not intervals:
        return ()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)  # the wall clock's 00:00
    segments = _offset_segments(calendar.zone, midnight - 2 * _DAY, midnight + 3 * _DAY)
    spans: list[Span] = []
    for start, end in intervals:
        wall_start = midnight + timedelta(minutes=start)
        wall_end = midnight + timedelta(minutes=end)
        for begin, finish, offset in segments:
            real_start, real_end = max(wall_start - offset, begin), min(wall_end - offset, finish)
            if real_start < real_end:
                spans.append((real_start, real_end))
    spans.sort()
    result: list[Span] = []
    for begin, finish in spans:  # a repeated hour can make spans of one date overlap
        if result and begin <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], finish))
        else:
            result.append((begin, finish))
    return tuple(result)


def _offset_segments(
    zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """`[begin, end)` stretches of constant UTC offset covering `[start, end)`."""
    changes = _changes_between(zone, start, end)
    bounds = [start, *(instant for instant, _ in changes), end]
    offsets = [_offset(zone, start), *(offset for _, offset in changes)]
    return [(bounds[i], bounds[i + 1], offsets[i]) for i in range(len(offsets))]


def _changes_between(
    zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta]]:
    changes: list[tuple[datetime, timedelta]] = []
    for year in range(start.year, end.year + 1):
        changes.extend(_changes_in_year(zone, year))
    instants = [instant for instant, _ in changes]
    return changes[bisect.bisect_right(instants, start) : bisect.bisect_left(instants, end)]


@functools.lru_cache(maxsize=4_096)
def _changes_in_year(zone: tzinfo, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """Every instant of the UTC year at which the zone's offset changes, with the new one."""
    if year > _RULES_FROM and not _changes_in_year(zone, _RULES_FROM):
        return ()  # its yearly rule has no summer time: nothing changes any more
    changes = []
    probe = datetime(year, 1, 1, tzinfo=UTC)
    year_end = (
        datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else datetime.max.replace(tzinfo=UTC)
    )
    offset = _offset(zone, probe)
    step = _PROBE if year < _RULES_FROM else _RULE_PROBE
    while probe < year_end:
        following = min(probe + step, year_end)
        if _offset(zone, following) == offset:
            probe = following
            continue
        low, high = int(probe.timestamp()), int(following.timestamp())
        while high - low > 1:  # offset(low) is the old offset, offset(high) another
            middle = (low + high) // 2
            if _offset(zone, _from_seconds(middle)) == offset:
                low = middle
            else:
                high = middle
        probe = _from_seconds(high)
        offset = _offset(zone, probe)
        changes.append((probe, offset))
    return tuple(changes)


def _from_seconds(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _offset(zone: tzinfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None  # every zone here gives an offset for an aware instant
    return offset
