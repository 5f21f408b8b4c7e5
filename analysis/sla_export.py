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


def table_rows(sla_section: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's per-case fields plus minutes from opening to first response (or None)."""
    rows = []
    for case in sla_section["cases"]:
        minutes = None
        if case["first_response_at"] is not None:
            taken = datetime.fromisoformat(case["first_response_at"]) - datetime.fromisoformat(
                case["opened_at"]
            )
            minutes = round(taken.total_seconds() / 60, 2)
        rows.append({**{key: case[key] for key in COLUMNS[:-1]}, "response_minutes": minutes})
    return rows


def _instants(row: dict[str, Any]) -> dict[str, datetime | None]:
    return {
        name: None if row[name] is None else datetime.fromisoformat(row[name])
        for name in INSTANT_COLUMNS
    }


def write_table(sla_section: dict[str, Any], output: Path, file_format: str) -> int:
    rows = table_rows(sla_section)
    if file_format == "csv":
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    elif file_format == "parquet":
        import pyarrow as pa  # imported here: only Parquet exports pay for loading it
        import pyarrow.parquet as pq

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
            ]
        )
        typed = [{**row, **_instants(row)} for row in rows]
        pq.write_table(pa.Table.from_pylist(typed, schema=schema), output)
    else:
        raise ValueError(f"unknown format {file_format!r}: csv or parquet")
    return len(rows)
