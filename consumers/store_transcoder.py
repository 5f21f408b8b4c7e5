"""eventsourcing's JSON format for stored events, written and read by orjson.

Every message the intake takes becomes two or three stored events, and the relay reads
them all back: the standard library's encoder (with a Python `default` hook for each
datetime) and decoder (with a Python `object_hook` for each object) were a tenth of both
roles' time. The bytes keep eventsourcing's format (`{"_type_": ..., "_data_": ...}` for
what JSON has no type for), so stores written before this transcoder read the same, and a
store written with it reads the same with eventsourcing's own `JSONTranscoder`.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

# Datetimes and dataclasses go to the registered transcodings, as with the standard
# library encoder; everything else JSON knows is written natively.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def holds_float(value: Any) -> bool:
    """Whether a float is anywhere in the decoded JSON value (a set of the types per
    container: C speed, where a loop over every value in Python cost as much as the parse).

    orjson reads an integer beyond 64 bits as a float (2**70 + 1 comes back as 2**70). A
    float is rare in a stored state (only a message's extra fields can hold one), so a
    state read with any float in it is read again by the standard library.
    """
    kind = type(value)
    if kind is dict:
        members: Any = value.values()
    elif kind is list:
        members = value
    else:
        return kind is float
    kinds = set(map(type, members))
    if float in kinds:
        return True
    if dict in kinds or list in kinds:
        return any(holds_float(member) for member in members if type(member) in _CONTAINERS)
    return False


_CONTAINERS = (dict, list)


class _FloatFound(Exception):
    """A float in a state being restored: read it again with the standard library."""


class OrjsonTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        # orjson writes UUIDs natively (as strings, which would read back as strings), so a
        # state holding one at its top level, where event fields live, takes the standard
        # path; as do integers beyond 64 bits, which orjson refuses.
        if isinstance(obj, dict) and not any(type(value) is UUID for value in obj.values()):
            try:
                return orjson.dumps(obj, default=self._encode_obj, option=_OPTIONS)
            except TypeError:
                pass
        return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        try:
            return self._restore(orjson.loads(data))
        except _FloatFound:  # perhaps an integer beyond 64 bits: see `holds_float`
            return self._restore(json.loads(data), floats=True)

    def _restore(self, value: Any, floats: bool = False) -> Any:
        """Inner objects first, as `json`'s `object_hook` sees them; unless `floats`, a
        float raises `_FloatFound` (found by the same set of types as `holds_float`)."""
        kind = type(value)
        if kind is dict:
            kinds = set(map(type, value.values()))
            if float in kinds and not floats:
                raise _FloatFound
            if dict in kinds or list in kinds:
                value = {
                    key: self._restore(item, floats) if type(item) in _CONTAINERS else item
                    for key, item in value.items()
                }
            return self._decode_obj(value)
        if kind is list:
            kinds = set(map(type, value))
            if float in kinds and not floats:
                raise _FloatFound
            if dict in kinds or list in kinds:
                return [
                    self._restore(item, floats) if type(item) in _CONTAINERS else item
                    for item in value
                ]
            return value
        if kind is float and not floats:
            raise _FloatFound
        return value
