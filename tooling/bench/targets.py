"""The figures the issue asked for, judged against their targets (reported, never asserted)."""

from __future__ import annotations

from typing import Any

from tooling.bench.measures import growth

REPLAY_VS_FLOOR_MIN = 0.2
LIVE_VS_PASSTHROUGH_MIN = 0.3
P99_MAX_MS = 250.0
RSS_GROWTH_MAX = 0.10


def rss_growth(sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Peak RSS growth from the smallest measured size >= 100k (else the smallest) to the largest."""
    measured = sorted(int(size) for size in sizes)
    if len(measured) < 2:
        return {}
    big = [size for size in measured if size >= 100_000]
    low = big[0] if len(big) >= 2 else measured[0]
    high = measured[-1]
    result: dict[str, Any] = {"from_size": low, "to_size": high}
    for name, path in (
        ("replay", ("replay",)),
        ("floor", ("floor",)),
        ("engine", ("live", "engine")),
    ):
        before, after = _dig(sizes[str(low)], path), _dig(sizes[str(high)], path)
        if before and after:
            result[name] = growth(before["peak_rss_kb"], after["peak_rss_kb"])
    return result


def judge(sizes: dict[str, dict[str, Any]], latency: dict[str, Any] | None) -> list[dict[str, Any]]:
    verdicts: list[dict[str, Any]] = []
    for size, figures in sorted(sizes.items(), key=lambda item: int(item[0])):
        verdicts.append(
            _at_least(
                f"replay/floor at {size}", figures.get("replay_vs_floor"), REPLAY_VS_FLOOR_MIN
            )
        )
        live = figures.get("live")
        if live:
            verdicts.append(
                _at_least(
                    f"live/passthrough at {size}",
                    live.get("live_vs_passthrough"),
                    LIVE_VS_PASSTHROUGH_MIN,
                )
            )
    if latency:
        p99 = latency.get("p99_ms")
        verdicts.append(
            {
                "name": f"p99 publish->view at {latency['rate']:.0f} msg/s (ms)",
                "target": f"<= {P99_MAX_MS:.0f}",
                "figure": p99,
                "met": p99 is not None and p99 <= P99_MAX_MS,
            }
        )
    growths = rss_growth(sizes)
    for name in ("replay", "engine"):
        if name in growths:
            value = growths[name]
            verdicts.append(
                {
                    "name": f"{name} peak RSS growth {growths['from_size']}->{growths['to_size']}",
                    "target": f"<= {RSS_GROWTH_MAX:.0%}",
                    "figure": value,
                    "met": value is not None and value <= RSS_GROWTH_MAX,
                }
            )
    return verdicts


def _at_least(name: str, figure: float | None, minimum: float) -> dict[str, Any]:
    return {
        "name": name,
        "target": f">= {minimum}",
        "figure": figure,
        "met": figure is not None and figure >= minimum,
    }


def _dig(figures: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    node: Any = figures
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
