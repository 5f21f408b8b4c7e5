"""Progress bars for long commands, shown only to a person at a terminal (tqdm)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def on_terminal() -> bool:
    return sys.stderr.isatty()


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """`items` unchanged, with a bar on stderr when a person is watching; silent in pipes and CI."""
    if not on_terminal():
        yield from items
        return
    yield from tqdm(items, desc=description, total=total, unit=" msg", file=sys.stderr, leave=False)


def counter(description: str) -> Any:
    """A bar without a known total, or None off a terminal; call `.update(n)` and `.close()`."""
    if not on_terminal():
        return None
    return tqdm(desc=description, unit=" rec", file=sys.stderr, leave=False)
