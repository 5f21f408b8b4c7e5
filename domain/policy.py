"""The support policy as data: response targets, eligible tiers, severity caps, and (SLA v2)
calendars, calendar rules and per-metric targets in business time.

A deployment may pass its own file. Every opening records the policy's id, version and
content hash (and, with calendars, the case's calendar id and content hash), so history
judged under one policy keeps its verdicts after the policy changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from domain.calendar_policy import (
    ALWAYS,
    ALWAYS_CALENDAR,
    ALWAYS_CONTENT,
    CalendarRule,
    CalendarSpec,
    MetricTargets,
)
from domain.calendars import Calendar
from domain.messages import Tier

Level = Annotated[int, Field(ge=1, le=4)]


class SeverityCap(BaseModel):
    """Cases touching any of `technologies` may be no more severe than `most_severe_level`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    technologies: tuple[
        Annotated[str, StringConstraints(to_lower=True, strip_whitespace=True)], ...
    ]
    most_severe_level: Level
    reason: str


MAX_TARGET_MINUTES = 366 * 24 * 60
"""A first-response target of at most a year: a due time computed from any accepted `at`
(dated before year 9000, see `domain.instant_text.RFC_3339`) stays a representable instant."""


class Policy(BaseModel):
    """One version of a support policy, validated on load."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _content_hash: str = PrivateAttr(default="")
    _caps_by_technology: dict[str, list[SeverityCap]] = PrivateAttr(default_factory=dict)
    _calendars: dict[str, Calendar] = PrivateAttr(default_factory=dict)

    id: str
    version: str
    source: str = ""
    first_response_minutes: (
        dict[Level, Annotated[int, Field(gt=0, le=MAX_TARGET_MINUTES)]] | None
    ) = None
    eligible_tiers: tuple[Tier, ...]
    severity_caps: tuple[SeverityCap, ...] = ()
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)
    calendar_rules: tuple[CalendarRule, ...] = ()
    targets: dict[Level, MetricTargets] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _usable_as_a_whole(self) -> Policy:
        given = self.first_response_minutes or {}
        missing = [
            level
            for level in (1, 2, 3, 4)
            if level not in given and self._metric_target(level, "first_response") is None
        ]
        if missing:
            raise ValueError(
                f"no first-response target for severity {missing} (give"
                " targets.N.first_response or first_response_minutes.N)"
            )
        always = self.calendars.get(ALWAYS)
        if always is not None and always.model_dump(exclude_unset=True) != ALWAYS_CONTENT:
            raise ValueError(f"calendars.always is built in and may only be {ALWAYS_CONTENT}")
        for index, rule in enumerate(self.calendar_rules):
            if rule.calendar != ALWAYS and rule.calendar not in self.calendars:
                raise ValueError(
                    f"calendar_rules.{index}.calendar: no calendar {rule.calendar!r} in calendars"
                )
        return self

    @field_validator("eligible_tiers")
    @classmethod
    def _tiers_in_canonical_order(cls, tiers: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(tiers)))

    def first_response_target(self, severity: int) -> timedelta:
        """Version 1's target (on the `always` calendar); see `first_response` for v2's."""
        assert self.first_response_minutes is not None
        return timedelta(minutes=self.first_response_minutes[severity])

    @property
    def has_calendars(self) -> bool:
        """Whether any v2 section is given: if not, every case is judged exactly as in v1."""
        return bool(self.targets or self.calendars or self.calendar_rules)

    def calendar_for(self, tier: str, customer_id: str) -> Calendar:
        """The case's calendar, fixed at opening: the first matching rule's, else `always`."""
        for rule in self.calendar_rules:
            if rule.matches(tier, customer_id):
                return self.calendar(rule.calendar)
        return ALWAYS_CALENDAR

    def first_response(self, severity: int, calendar: Calendar) -> tuple[int, Calendar]:
        """Minutes and the calendar they run on: `targets` in the case's calendar, else
        `first_response_minutes` on `always` (contract 2.0)."""
        minutes = self._metric_target(severity, "first_response")
        if minutes is not None:
            return minutes, calendar
        assert self.first_response_minutes is not None  # checked on load
        return self.first_response_minutes[severity], ALWAYS_CALENDAR

    def metric_target(self, severity: int, metric: str) -> int | None:
        """Minutes of business time for `next_response` or `resolution` (None: not measured)."""
        return self._metric_target(severity, metric)

    def measures(self, metric: str) -> bool:
        return any(getattr(entry, metric) is not None for entry in self.targets.values())

    def _metric_target(self, severity: int, metric: str) -> int | None:
        entry = self.targets.get(severity)
        return None if entry is None else getattr(entry, metric)

    def pinned_calendar(self, calendar_id: str, calendar_hash: str | None) -> Calendar:
        """The calendar a case's `Opened` pinned: the one with that content (any id), else
        the one with that id (the policy changed it since: see the README), else `always`."""
        if calendar_hash is not None:
            for calendar in self._private()["_calendars"].values():
                if calendar.content_hash == calendar_hash:
                    return calendar
            if ALWAYS_CALENDAR.content_hash == calendar_hash:
                return ALWAYS_CALENDAR
        return self.calendar(calendar_id)

    def calendar(self, calendar_id: str) -> Calendar:
        """A calendar of the policy by id (`always` for one it does not define)."""
        built: dict[str, Calendar] = self._private()["_calendars"]
        return built.get(calendar_id, ALWAYS_CALENDAR)

    def cap_for(self, technologies: list[str]) -> Cap | None:
        """The strictest cap the case's technologies trigger (matched case-insensitively)."""
        if not technologies:
            return None
        by_technology: dict[str, list[SeverityCap]] = self._private()["_caps_by_technology"]
        triggered = [
            cap
            for technology in technologies
            for cap in by_technology.get(technology.strip().lower(), ())
        ]
        if not triggered:
            return None
        strictest = max(triggered, key=lambda cap: cap.most_severe_level)
        return Cap(level=strictest.most_severe_level, reason=strictest.reason)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the policy: names exactly what a verdict used."""
        content_hash: str = self._private()["_content_hash"]
        return content_hash

    def _private(self) -> dict[str, Any]:
        """The private attributes, read directly: every opening reads two, and pydantic's
        `__getattr__` for one costs microseconds (it probes the attribute for `__get__`)."""
        private = self.__pydantic_private__
        assert private is not None  # the model declares private attributes
        return private

    def model_post_init(self, context: object, /) -> None:
        # Computed once: every opening records it, and a policy never changes (frozen). The
        # v2 sections count only when given, so a v1 policy keeps the hash it always had.
        content = self.model_dump(mode="json")
        for section in ("calendars", "calendar_rules", "targets"):
            if section not in self.model_fields_set:
                del content[section]
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        self._content_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        caps: dict[str, list[SeverityCap]] = {}
        for cap in self.severity_caps:
            for technology in cap.technologies:
                caps.setdefault(technology, []).append(cap)
        self._caps_by_technology = caps
        self._calendars = {
            name: ALWAYS_CALENDAR if name == ALWAYS else spec.build(name)
            for name, spec in self.calendars.items()
        }


@dataclass(frozen=True, slots=True)
class Cap:
    """A triggered cap: the most severe level allowed, and why."""

    level: int
    reason: str


def parse_policy(text: str) -> Policy:
    """Validate a policy document (JSON); raises pydantic's ValidationError naming the bad field."""
    return Policy.model_validate_json(text)
