"""JSON Schemas of Casebook's topics, generated from the pydantic models that validate them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from domain.messages import IntakeMessage
from domain.published import DATA_MODELS, PublishedEvent

SCHEMA_FILES = {
    "casebook.intake.v1.schema.json": lambda: TypeAdapter(IntakeMessage).json_schema(),
    "casebook.events.v1.schema.json": lambda: _events_schema(),
}


def _events_schema() -> dict[str, Any]:
    schema = PublishedEvent.model_json_schema(by_alias=True)
    schema["x-data-by-type"] = {
        name: model.model_json_schema() for name, model in DATA_MODELS.items()
    }
    return schema


def render_schemas() -> dict[str, str]:
    return {
        name: json.dumps(build(), indent=2, sort_keys=True) + "\n"
        for name, build in SCHEMA_FILES.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas(Path(__file__).resolve().parents[1] / "schemas"):
        print(path)
