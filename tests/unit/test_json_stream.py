"""The streamed writer writes what `json.dump(value, stream, indent=1)` writes, lazy parts or not."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from analysis.json_stream import CHUNK, Deferred, LazyArray, LazyObject, write_json


def streamed(skeleton: Any) -> str:
    out = io.StringIO()
    write_json(out, skeleton)
    return out.getvalue()


@pytest.mark.parametrize("count", [0, 1, 2, CHUNK // 2 - 1, CHUNK // 2, CHUNK + 1, 3 * CHUNK])
def test_lazy_parts_of_any_length_are_written_as_their_eager_equivalent(count: int) -> None:
    rows = [{"id": f"C-{n}", "n": n, "x": None, "t": [n, {"é": n / 7}]} for n in range(count)]
    pairs = [(f'k\\"{n}', {"changes": [] if n % 2 else [{"a": n}]}) for n in range(count)]
    total = {"opened": count, "compliance": None}
    skeleton = {
        "as_of": "2026-01-01T00:00:00Z",
        "empty": {},
        "rows": LazyArray(iter(rows)),
        "nested": {"total": Deferred(lambda: total), "deep": {"list": []}},
        "pairs": LazyObject(iter(pairs)),
    }
    eager = {**skeleton, "rows": rows, "nested": {"total": total, "deep": {"list": []}}}
    eager["pairs"] = dict(pairs)
    assert streamed(skeleton) == json.dumps(eager, indent=1)


def test_a_lazy_part_at_the_top_is_written_as_the_list_would_be() -> None:
    assert streamed(LazyArray(iter([1, "two", [3]]))) == json.dumps([1, "two", [3]], indent=1)
    assert streamed(LazyArray(iter([]))) == "[]"
    assert streamed(LazyObject(iter([]))) == "{}"


def test_keys_that_are_not_strings_are_refused_as_the_contract_has_none() -> None:
    with pytest.raises(TypeError):
        streamed(LazyObject(iter([(1, "one")])))  # type: ignore[arg-type]
