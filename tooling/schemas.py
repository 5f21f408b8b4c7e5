"""JSON Schemas of Casebook's topics, generated from the pydantic models that validate them.

Standard JSON Schema 2020-12 throughout, so any validator reads them whole: each intake type
is one branch of a `oneOf` on its `type` constant, and each published event's `data` is tied
to its type by `if`/`then`. The intake schema is the parser's own rules where a schema can
say them (tests/unit/test_schema_agrees_with_parser.py holds the two to the same verdict);
what it cannot say is listed in `INTAKE_RULES_BEYOND_SCHEMA` and printed in its description.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from domain.instant_text import RFC_3339
from domain.messages import CASE_ID_PATTERN, IntakeMessage
from domain.published import DATA_MODELS, PublishedEvent

DIALECT = "https://json-schema.org/draft/2020-12/schema"
INTAKE_ID = "urn:casebook:schema:intake:v1"
EVENTS_ID = "urn:casebook:schema:events:v1"

INTAKE_RULES_BEYOND_SCHEMA = (
    "a record over 65,536 bytes (a byte-order mark excluded)",
    "containers nested deeper than 64 levels",
    "NaN or Infinity anywhere, and text that is not Unicode (a lone surrogate escape)",
)
"""What makes a record `invalid_message` that no JSON Schema can see: limits on the bytes and
on JSON's text rather than on the parsed value. Everything else the parser refuses as
`invalid_message`, the schema refuses too. The rules of a case (duplicates, order, who may
agree, eligibility) give other reason codes and are the engine's, not a schema's."""

_NO_NEWLINE = {"not": {"pattern": "\n"}}
"""Added beside the patterns that allow no line feed: ECMA-262's `$` (JSON Schema's dialect)
ends the text, but Python's `re.search`, which Python validators use, lets `$` match before a
final line feed. With it, a trailing newline is refused by every validator, as by the parser."""
_SINGLE_LINE_PATTERNS = frozenset({RFC_3339, CASE_ID_PATTERN})


def intake_schema() -> dict[str, Any]:
    schema = TypeAdapter(IntakeMessage).json_schema()
    _forbid_trailing_newlines(schema)
    return {
        "$schema": DIALECT,
        "$id": INTAKE_ID,
        "title": "casebook.intake v1",
        "description": (
            "One intake message (contract intake-v1, 1.2): one record value on the intake "
            "topic, or one line of a history file. Also refused as invalid_message, beyond "
            "this schema: " + "; ".join(INTAKE_RULES_BEYOND_SCHEMA) + "."
        ),
        **schema,
    }


def events_schema() -> dict[str, Any]:
    schema = PublishedEvent.model_json_schema(by_alias=True)
    definitions = schema.setdefault("$defs", {})
    branches = []
    for name, model in DATA_MODELS.items():
        data_schema = model.model_json_schema()
        definitions[model.__name__] = data_schema
        branches.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": {"data": {"$ref": f"#/$defs/{model.__name__}"}}},
            }
        )
    return {"$schema": DIALECT, "$id": EVENTS_ID, **schema, "allOf": branches}


def _forbid_trailing_newlines(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("pattern") in _SINGLE_LINE_PATTERNS:
            node.update(_NO_NEWLINE)
        for value in node.values():
            _forbid_trailing_newlines(value)
    elif isinstance(node, list):
        for value in node:
            _forbid_trailing_newlines(value)


SCHEMA_FILES = {
    "casebook.intake.v1.schema.json": intake_schema,
    "casebook.events.v1.schema.json": events_schema,
}


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
