"""The SLA view as a table file (CSV, or Parquet through pyarrow): one row per case."""

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
                ("opened_at", pa.string()),
                ("due_at", pa.string()),
                ("first_response_at", pa.string()),
                ("status", pa.string()),
                ("response_minutes", pa.float64()),
            ]
        )
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), output)
    else:
        raise ValueError(f"unknown format {file_format!r}: csv or parquet")
    return len(rows)
