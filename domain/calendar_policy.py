"""The version-2 sections of a policy file (contract SLA 2.0): calendars, the rules that pick a
case's calendar, and per-severity targets in business time. Validated on load, so a policy
that cannot be used is refused whole, naming the field, before any message is decided.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from domain.calendars import ALWAYS_OPEN, WEEKDAYS, Calendar, Intervals, merged
from domain.messages import Tier
from domain.zones import UnknownZone, load_zone

ALWAYS = "always"
ALWAYS_CONTENT: dict[str, Any] = {"timezone": "UTC", "weekly": "always"}
"""The built-in calendar: 24/7 in UTC (version 1's clock). A policy may list it only so."""
MAX_TARGET = 525_600
METRICS = ("first_response", "next_response", "resolution")

ClockTime = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _real_date(text: str) -> str:
    date.fromisoformat(text)  # ValueError names it: "month must be in 1..12", ...
    return text


HolidayDate = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_real_date)
]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _known_zone(name: str) -> str:
    try:
        load_zone(name)
    except UnknownZone as error:
        raise ValueError(str(error)) from None
    return name


class CalendarSpec(BaseModel):
    """One calendar as the policy writes it (kept as written: its hash is over this text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: Annotated[str, AfterValidator(_known_zone)]
    weekly: Literal["always"] | dict[Weekday, tuple[tuple[ClockTime, ClockTime], ...]]
    holidays: tuple[HolidayDate, ...] = ()

    @model_validator(mode="after")
    def _usable_intervals(self) -> CalendarSpec:
        if isinstance(self.weekly, str):
            return self
        for day, intervals in self.weekly.items():
            for start, end in intervals:
                if start == "24:00":
                    raise ValueError(f"{day}: an interval cannot start at 24:00")
                if _minutes(start) >= _minutes(end):
                    raise ValueError(
                        f"{day}: interval [{start}, {end}] ends before it starts"
                        " (an interval cannot cross midnight: split it at 24:00)"
                    )
        if not any(self.weekly.values()):
            raise ValueError("the calendar is open at no time of the week")
        return self

    def weekly_minutes(self) -> tuple[Intervals, ...]:
        weekly = self.weekly
        if isinstance(weekly, str):
            return ALWAYS_OPEN
        return tuple(
            merged([(_minutes(s), _minutes(e)) for s, e in weekly.get(day, ())])  # type: ignore[call-overload]
            for day in WEEKDAYS
        )

    def overlaps(self) -> list[str]:
        """Intervals of one day that overlap (valid, their union counts): `policy check`'s
        warnings, since they are usually a typo."""
        found: list[str] = []
        if isinstance(self.weekly, str):
            return found
        for day, intervals in self.weekly.items():
            ordered = sorted((_minutes(s), _minutes(e), s, e) for s, e in intervals)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if after[0] < before[1]:
                    found.append(
                        f"{day}: [{before[2]}, {before[3]}] overlaps [{after[2]}, {after[3]}]"
                    )
        return found

    def content_hash(self) -> str:
        """SHA-256 of the calendar's JSON as written, canonical (RFC 8785 for these values)."""
        written = self.model_dump(mode="json", exclude_unset=True)
        canonical = json.dumps(written, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def build(self, calendar_id: str) -> Calendar:
        return Calendar(
            calendar_id,
            load_zone(self.timezone),
            self.weekly_minutes(),
            frozenset(date.fromisoformat(text) for text in self.holidays),
            self.content_hash(),
        )


class CalendarRule(BaseModel):
    """Picks a case's calendar at opening: matches when every key it has matches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tiers: tuple[Tier, ...] | None = None
    customer_ids: tuple[str, ...] | None = None
    calendar: str = ALWAYS

    def matches(self, tier: str, customer_id: str) -> bool:
        return (self.tiers is None or tier in self.tiers) and (
            self.customer_ids is None or customer_id in self.customer_ids
        )


TargetMinutes = Annotated[int, Field(strict=True, ge=0, le=MAX_TARGET)]


class MetricTargets(BaseModel):
    """Minutes of business time per metric for one severity; an absent metric is not measured."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_response: TargetMinutes | None = None
    next_response: TargetMinutes | None = None
    resolution: TargetMinutes | None = None


ALWAYS_SPEC = CalendarSpec.model_validate(ALWAYS_CONTENT)
ALWAYS_CALENDAR = ALWAYS_SPEC.build(ALWAYS)
