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
        _write_members(write, "[]", ((None, item) for item in value.items), level, eager=True)
    elif isinstance(value, LazyObject):
        _write_members(write, "{}", value.pairs, level, eager=True)
    elif isinstance(value, dict):
        _write_members(write, "{}", value.items(), level, eager=False)
    else:
        write(encode(value, level))


def _write_members(
    write: Callable[[str], Any],
    brackets: str,
    members: Iterable[tuple[str | None, Any]],
    level: int,
    *,
    eager: bool,
) -> None:
    separator = "\n" + INDENT * (level + 1)
    opened = False
    for key, value in members:
        write((brackets[0] if not opened else ",") + separator)
        opened = True
        if key is not None:
            write(_key(key) + ": ")
        if eager:
            write(encode(value, level + 1))
        else:
            _write(write, value, level + 1)
    write("\n" + INDENT * level + brackets[1] if opened else brackets)


def encode(value: Any, level: int = 0) -> str:
    """`value` as `json.dumps(value, indent=1)` puts it at nesting depth `level`."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return _container("{}", value, value.values(), level)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return _container("[]", value, value, level)
    return json.dumps(value)


def _container(brackets: str, value: Any, children: Iterable[Any], level: int) -> str:
    inner = "\n" + INDENT * (level + 1)
    closing = "\n" + INDENT * level + brackets[1]
    if not any(isinstance(child, dict | list | tuple) for child in children):
        flat = _flat_encoder(level)(value)
        return brackets[0] + inner + flat[1:-1] + closing
    if isinstance(value, dict):
        parts = [f"{_key(key)}: {encode(child, level + 1)}" for key, child in value.items()]
    else:
        parts = [encode(child, level + 1) for child in value]
    return brackets[0] + inner + ("," + inner).join(parts) + closing


@cache
def _flat_encoder(level: int) -> Callable[[Any], str]:
    """The C encoder, told to separate items as `indent=1` does at this depth (one per depth:
    `json.dumps` with separators would build a new encoder for every call)."""
    return json.JSONEncoder(separators=(",\n" + INDENT * (level + 1), ": ")).encode


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"report keys are strings, not {type(key).__name__}")
    return json.dumps(key)
