"""How an evicted case is written to the scratch file: flat tuples of plain values, `marshal`led.

Pickling a case with its SLA row and audit record cost more than deciding on its messages
(most of it in the generic reduction of every `datetime`); a tuple of strings and integers,
instants as whole microseconds, is about five times cheaper to write. A value of a shape
this module does not know (another time zone, an attribute the aggregate did not have
when it was written) is not squeezed in: that record is pickled whole instead.
"""

from __future__ import annotations

import marshal
import pickle
from datetime import UTC, datetime
from typing import Any

from analysis.spill.scratch import EPOCH, ONE_MICROSECOND

PLAIN, PICKLED = b"m", b"p"
"""The first byte of a record: the marshalled layout below, or a pickle of the object."""


class Unplain(Exception):
    """A value the plain layout cannot hold exactly."""


def us(instant: datetime) -> int:
    """A UTC instant as microseconds since 1970 (another zone would not come back the same)."""
    if instant.tzinfo is not UTC:
        raise Unplain(instant)
    return (instant - EPOCH) // ONE_MICROSECOND


def us_or_none(instant: datetime | None) -> int | None:
    return None if instant is None else us(instant)


def instant(micros: int) -> datetime:
    return EPOCH + micros * ONE_MICROSECOND


def instant_or_none(micros: int | None) -> datetime | None:
    return None if micros is None else EPOCH + micros * ONE_MICROSECOND


def plain_or_pickled(pack: Any, value: Any) -> bytes:
    try:
        return PLAIN + marshal.dumps(pack(value))
    except (Unplain, ValueError, TypeError, AttributeError):
        return PICKLED + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes, build: Any) -> Any:
    if blob[:1] == PICKLED:
        return pickle.loads(blob[1:])
    return build(marshal.loads(blob[1:]))
