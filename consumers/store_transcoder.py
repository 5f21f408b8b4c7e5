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
import re
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

# Datetimes and dataclasses go to the registered transcodings, as with the standard
# library encoder; everything else JSON knows is written natively.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def loads(data: bytes) -> Any:
    """`json.loads`, by orjson when it reads the same: orjson reads an integer beyond 64
    bits as a float (2**70 + 1 would come back as 2**70), so a state with a number of 19
    digits or more (or a digit string that long: a false alarm costs only time) is read by
    the standard library."""
    if _LONG_DIGITS.search(data) is None:
        return orjson.loads(data)
    return json.loads(data)


_LONG_DIGITS = re.compile(rb"[0-9]{19}")


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
        return self._restore(loads(data))

    def _restore(self, value: Any) -> Any:
        """Inner objects first, as `json`'s `object_hook` sees them."""
        kind = type(value)
        if kind is dict:
            restored = {
                key: self._restore(item) if type(item) in (dict, list) else item
                for key, item in value.items()
            }
            return self._decode_obj(restored)
        if kind is list:
            return [self._restore(item) if type(item) in (dict, list) else item for item in value]
        return value
