"""The support policy as data: response targets, eligible tiers, severity caps.

A deployment may pass its own file. Every opening records the policy's id, version and
content hash, so history judged under one policy keeps its verdicts after the policy changes.
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
)

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
(dated before year 9000, see `domain.messages.RFC_3339`) stays a representable instant."""


class Policy(BaseModel):
    """One version of a support policy, validated on load."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _content_hash: str = PrivateAttr(default="")
    _caps_by_technology: dict[str, list[SeverityCap]] = PrivateAttr(default_factory=dict)

    id: str
    version: str
    source: str = ""
    first_response_minutes: dict[Level, Annotated[int, Field(gt=0, le=MAX_TARGET_MINUTES)]]
    eligible_tiers: tuple[Tier, ...]
    severity_caps: tuple[SeverityCap, ...] = ()

    @field_validator("first_response_minutes")
    @classmethod
    def _every_level_has_a_target(cls, targets: dict[int, int]) -> dict[int, int]:
        missing = {1, 2, 3, 4} - set(targets)
        if missing:
            raise ValueError(f"no first-response target for severity {sorted(missing)}")
        return targets

    @field_validator("eligible_tiers")
    @classmethod
    def _tiers_in_canonical_order(cls, tiers: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(tiers)))

    def first_response_target(self, severity: int) -> timedelta:
        return timedelta(minutes=self.first_response_minutes[severity])

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
        # Computed once: every opening records it, and a policy never changes (frozen).
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        self._content_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        caps: dict[str, list[SeverityCap]] = {}
        for cap in self.severity_caps:
            for technology in cap.technologies:
                caps.setdefault(technology, []).append(cap)
        self._caps_by_technology = caps


@dataclass(frozen=True, slots=True)
class Cap:
    """A triggered cap: the most severe level allowed, and why."""

    level: int
    reason: str


def parse_policy(text: str) -> Policy:
    """Validate a policy document (JSON); raises pydantic's ValidationError naming the bad field."""
    return Policy.model_validate_json(text)
