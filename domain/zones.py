"""IANA time zones from the `tzdata` package, never from the host's zone files.

A verdict in business time depends on the zone rules it was computed with; reading them from
a pinned Python package (and recording its version in each `Opened`) makes that a property
of the installation, not of the machine's `/usr/share/zoneinfo` (contract SLA 2.0).
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from zoneinfo import ZoneInfo

import tzdata

TZDATA_VERSION: str = tzdata.IANA_VERSION
"""The IANA release the zone rules come from (e.g. `2026a`)."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9][A-Za-z0-9_+\-]*)*$")
_FIXED_OFFSET = re.compile(r"^(Etc/)?(GMT|UTC|UCT)?[+-][0-9]")


class UnknownZone(ValueError):
    """Not an IANA zone name the tz database has (or a fixed offset, which the contract
    refuses: a desk's hours follow its zone's summer time)."""


@functools.cache
def load_zone(name: str) -> ZoneInfo:
    """The zone called `name`; UnknownZone if there is none."""
    if _FIXED_OFFSET.match(name):
        raise UnknownZone(f"{name!r} is a fixed offset; name the zone (e.g. Europe/Berlin)")
    if not _NAME.match(name) or ".." in name:
        raise UnknownZone(f"{name!r} is not an IANA time zone name")
    resource = resources.files("tzdata").joinpath("zoneinfo", *name.split("/"))
    if not resource.is_file():
        raise UnknownZone(f"{name!r} is not a time zone of the tz database {TZDATA_VERSION}")
    with resource.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)
