"""The SLA view as a table file (CSV, or Parquet through pyarrow): one row per case.

CSV holds instants as the reports print them (`2026-09-01T21:47:33Z`); Parquet holds them
as `timestamp[us, tz=UTC]`, so DuckDB, pandas or Spark compare them with their own
timestamps instead of with text.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

COLUMNS = (
    "case_id",
    "customer_id",
    "sla_severity",
    "requested_severity",
    "current_severity",
    "opened_at",
    "due_at",
    "first_response_at",
    "status",
    "response_minutes",
)
INSTANT_COLUMNS = ("opened_at", "due_at", "first_response_at")
NEXT_RESPONSE_COLUMNS = ("next_response_status", "next_response_cycles", "next_response_breached")
RESOLUTION_COLUMNS = (
    "resolution_status",
    "resolution_due_at",
    "resolved_at",
    "business_minutes",
    "paused_minutes",
)
"""SLA v2: added after the v1 columns when the report has that metric (a v1 export is as
it was)."""
METRIC_INSTANTS = ("resolution_due_at", "resolved_at")


def columns(report: dict[str, Any]) -> tuple[str, ...]:
    metrics = report.get("metrics", {})
    return (
        COLUMNS
        + (NEXT_RESPONSE_COLUMNS if "next_response" in metrics else ())
        + (RESOLUTION_COLUMNS if "resolution" in metrics else ())
    )


def table_rows(sla_section: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's per-case fields plus minutes from opening to first response (or None),
    and (SLA v2) each metric's per-case figures."""
    metrics = sla_section.get("metrics", {})
    replies = {c["case_id"]: c for c in metrics.get("next_response", {}).get("cases", [])}
    clocks = {c["case_id"]: c for c in metrics.get("resolution", {}).get("cases", [])}
    rows = []
    for case in sla_section["cases"]:
        minutes = None
        if case["first_response_at"] is not None:
            taken = datetime.fromisoformat(case["first_response_at"]) - datetime.fromisoformat(
                case["opened_at"]
            )
            minutes = round(taken.total_seconds() / 60, 2)
        row = {**{key: case[key] for key in COLUMNS[:-1]}, "response_minutes": minutes}
        if "next_response" in metrics:
            cycles = replies[case["case_id"]]["cycles"]
            row["next_response_status"] = replies[case["case_id"]]["status"]
            row["next_response_cycles"] = len(cycles)
            row["next_response_breached"] = sum(c["status"] == "breached" for c in cycles)
        if "resolution" in metrics:
            clock = clocks[case["case_id"]]
            row["resolution_status"] = clock["status"]
            row["resolution_due_at"] = clock["due_at"]
            row["resolved_at"] = clock["resolved_at"]
            row["business_minutes"] = clock["business_minutes"]
            row["paused_minutes"] = clock["paused_minutes"]
        rows.append(row)
    return rows


def _instants(row: dict[str, Any]) -> dict[str, datetime | None]:
    return {
        name: None if row[name] is None else datetime.fromisoformat(row[name])
        for name in (*INSTANT_COLUMNS, *METRIC_INSTANTS)
        if name in row
    }


def write_table(sla_section: dict[str, Any], output: Path, file_format: str) -> int:
    rows = table_rows(sla_section)
    if file_format == "csv":
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns(sla_section))
            writer.writeheader()
            writer.writerows(rows)
    elif file_format == "parquet":
        import pyarrow as pa  # imported here: only Parquet exports pay for loading it
        import pyarrow.parquet as pq

        instant = pa.timestamp("us", tz="UTC")
        types = {
            "next_response_status": pa.string(),
            "next_response_cycles": pa.int32(),
            "next_response_breached": pa.int32(),
            "resolution_status": pa.string(),
            "resolution_due_at": instant,
            "resolved_at": instant,
            "business_minutes": pa.float64(),
            "paused_minutes": pa.float64(),
        }
        schema = pa.schema(
            [
                ("case_id", pa.string()),
                ("customer_id", pa.string()),
                ("sla_severity", pa.int8()),
                ("requested_severity", pa.int8()),
                ("current_severity", pa.int8()),
                ("opened_at", pa.timestamp("us", tz="UTC")),
                ("due_at", pa.timestamp("us", tz="UTC")),
                ("first_response_at", pa.timestamp("us", tz="UTC")),
                ("status", pa.string()),
                ("response_minutes", pa.float64()),
                *((name, types[name]) for name in columns(sla_section)[len(COLUMNS) :]),
            ]
        )
        typed = [{**row, **_instants(row)} for row in rows]
        pq.write_table(pa.Table.from_pylist(typed, schema=schema), output)
    else:
        raise ValueError(f"unknown format {file_format!r}: csv or parquet")
    return len(rows)
