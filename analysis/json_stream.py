"""JSON written piece by piece, byte for byte what `json.dump(value, stream, indent=1)` writes.

A report too large to hold is described by a skeleton of dicts whose large parts are
`LazyArray` / `LazyObject` iterators and whose totals are `Deferred` until the rows before
them were written. Each item of a lazy part is encoded whole (it is small) by `encode`,
which uses the C encoder for flat containers: most of the cost of the pure-Python one that
`indent` otherwise forces.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, TextIO

INDENT = " "


class LazyArray:
    """A JSON array whose items are produced while it is written."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


class LazyObject:
    """A JSON object whose (key, value) pairs are produced while it is written."""

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        self.pairs = pairs


class Deferred:
    """A value computed only when the writer reaches it (after everything before it)."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self.produce = produce


def write_json(stream: TextIO, value: Any) -> None:
    """Write `value` (which may hold lazy parts) as `json.dump(value, stream, indent=1)` would."""
    _write(stream.write, value, 0)


def _write(write: Callable[[str], Any], value: Any, level: int) -> None:
    if isinstance(value, Deferred):
        value = value.produce()
    if isinstance(value, LazyArray):
        _write_encoded(write, "[]", (encode(item, level + 1) for item in value.items), level)
    elif isinstance(value, LazyObject):
        pairs = (f"{_key(key)}: {encode(item, level + 1)}" for key, item in value.pairs)
        _write_encoded(write, "{}", pairs, level)
    elif isinstance(value, dict):
        _write_members(write, value, level)
    else:
        write(encode(value, level))


def _write_members(write: Callable[[str], Any], members: dict[str, Any], level: int) -> None:
    separator = "\n" + INDENT * (level + 1)
    opened = False
    for key, value in members.items():
        write(("," if opened else "{") + separator + _key(key) + ": ")
        opened = True
        _write(write, value, level + 1)
    write("\n" + INDENT * level + "}" if opened else "{}")


def _write_encoded(
    write: Callable[[str], Any], brackets: str, members: Iterable[str], level: int
) -> None:
    """Members already encoded (each one whole: they are small), written a chunk at a time."""
    separator = "\n" + INDENT * (level + 1)
    lead, comma = brackets[0] + separator, "," + separator
    chunk: list[str] = []
    for text in members:
        chunk.append(lead)
        chunk.append(text)
        lead = comma
        if len(chunk) >= CHUNK:
            write("".join(chunk))
            chunk.clear()
    if lead is not comma:
        write(brackets)  # no member at all
        return
    chunk.append("\n" + INDENT * level + brackets[1])
    write("".join(chunk))


CHUNK = 512
"""Pieces (separators and members) encoded before they are written together."""

CONTAINERS = (dict, list, tuple)


def encode(value: Any, level: int = 0) -> str:
    """`value` as `json.dumps(value, indent=1)` puts it at nesting depth `level`."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        children: Iterable[Any] = value.values()
        brackets = "{}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]"
        children, brackets = value, "[]"
    else:
        return _scalar(value)
    for child in children:
        if isinstance(child, CONTAINERS):
            return _nested(brackets, value, level)
    inner, closing = _margins(level)
    return brackets[0] + inner + _flat_encoder(level)(value)[1:-1] + closing + brackets[1]


def _nested(brackets: str, value: Any, level: int) -> str:
    inner, closing = _margins(level)
    if isinstance(value, dict):
        parts = [f"{_key(key)}: {encode(child, level + 1)}" for key, child in value.items()]
    else:
        parts = [encode(child, level + 1) for child in value]
    return brackets[0] + inner + ("," + inner).join(parts) + closing + brackets[1]


@cache
def _margins(level: int) -> tuple[str, str]:
    """What goes before the first member of a container at this depth, and before its end."""
    return "\n" + INDENT * (level + 1), "\n" + INDENT * level


@cache
def _flat_encoder(level: int) -> Callable[[Any], str]:
    """The C encoder, told to separate items as `indent=1` does at this depth.

    Built once per depth and called directly: `JSONEncoder.encode` would build a new one for
    every call (and `json.dumps` with separators a new `JSONEncoder` too). Report values
    hold no cycles, so it does not look for them.
    """
    separators = (",\n" + INDENT * (level + 1), ": ")
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(separators=separators).encode
    chunks = c_make_encoder(
        None, _no_default, encode_basestring_ascii, None, ": ", separators[0], False, False, True
    )
    return lambda value: "".join(chunks(value, 0))


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_scalar = json.JSONEncoder().encode
"""`json.dumps` of a value that is not a container, without its per-call set-up."""


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"report keys are strings, not {type(key).__name__}")
    return encode_basestring_ascii(key)
