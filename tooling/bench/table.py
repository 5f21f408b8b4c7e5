"""The bench's results as a Markdown table a person (or the README) can read."""

from __future__ import annotations

from typing import Any

from tooling.bench.latency import WATCH_PAUSE_S

COLUMNS = (
    ("messages", ("size",), "{:,}"),
    ("parse floor msg/s", ("floor", "msgs_per_s"), "{:,.0f}"),
    ("replay msg/s", ("replay", "msgs_per_s"), "{:,.0f}"),
    ("replay/floor", ("replay_vs_floor",), "{:.3f}"),
    ("passthrough msg/s", ("live", "passthrough", "msgs_per_s"), "{:,.0f}"),
    ("live engine msg/s", ("live", "engine", "msgs_per_s"), "{:,.0f}"),
    ("live/passthrough", ("live", "live_vs_passthrough"), "{:.3f}"),
    ("PostgreSQL passthrough msg/s", ("live_postgres", "passthrough", "msgs_per_s"), "{:,.0f}"),
    ("PostgreSQL engine msg/s", ("live_postgres", "engine", "msgs_per_s"), "{:,.0f}"),
    ("PostgreSQL live/passthrough", ("live_postgres", "live_vs_passthrough"), "{:.3f}"),
    ("rebuild msg/s", ("rebuild", "msgs_per_s"), "{:,.0f}"),
    ("rebuild records/s", ("rebuild", "records_per_s"), "{:,.0f}"),
    ("floor RSS MiB", ("floor", "peak_rss_kb"), "kib"),
    ("replay RSS MiB", ("replay", "peak_rss_kb"), "kib"),
    ("passthrough RSS MiB", ("live", "passthrough", "peak_rss_kb"), "kib"),
    ("engine RSS MiB", ("live", "engine", "peak_rss_kb"), "kib"),
    ("views complete", ("live", "engine", "views_complete"), "{}"),
)


def render(results: dict[str, Any]) -> str:
    rows = [
        {"size": int(size), **figures}
        for size, figures in sorted(results["sizes"].items(), key=lambda item: int(item[0]))
    ]
    lines = [
        f"Kafka: {results.get('brokers', 1)} broker(s) at {results.get('kafka_bootstrap', '-')},"
        f" store: {results.get('store', '-')}",
        "",
        "| " + " | ".join(title for title, _, _ in COLUMNS) + " |",
        "|" + "---:|" * len(COLUMNS),
    ]
    for row in rows:
        cells = [_cell(_dig(row, path), form) for _, path, form in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    business = results.get("business")
    if business:
        lines += [
            "",
            f"Business hours (SLA v2 example, {business['cases']} cases, {business['messages']}"
            f" messages): replay {business['replay']['msgs_per_s']:.0f} msg/s, floor"
            f" {business['floor']['msgs_per_s']:.0f} msg/s, replay/floor"
            f" {business['replay_vs_floor']:.2f}",
        ]
    latency = results.get("latency")
    if latency:
        lines += ["", render_latency(latency)]
    lines += ["", "| target | wanted | figure | met |", "|---|---|---:|---|"]
    for verdict in results.get("targets", []):
        figure = verdict["figure"]
        shown = "-" if figure is None else f"{figure:.3f}"
        lines.append(
            f"| {verdict['name']} | {verdict['target']} | {shown} | {'yes' if verdict['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def render_latency(latency: dict[str, Any]) -> str:
    published = latency.get("published", {})
    return (
        f"Publish -> view at {latency['rate']:.0f} msg/s "
        f"(achieved {published.get('achieved_rate', 0):,.0f}/s over {published.get('messages', 0):,} "
        f"messages): p50 {_ms(latency['p50_ms'])}, p99 {_ms(latency['p99_ms'])}, "
        f"max {_ms(latency['max_ms'])}; {latency['appeared']} of {latency['samples']} "
        f"samples appeared, views polled every ~{_ms(latency.get('mean_poll_ms'))} + {WATCH_PAUSE_S * 1000:.0f} ms."
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _cell(value: Any, form: str) -> str:
    if value is None:
        return "-"
    if form == "kib":
        return f"{value / 1024:,.0f}"
    return form.format(value)


def _dig(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node
