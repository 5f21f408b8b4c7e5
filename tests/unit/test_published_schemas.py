"""The published forms: every event the engine emits fits the documented model and schema files."""

from __future__ import annotations

from pathlib import Path

from domain.published import PublishedEvent
from tests.unit.test_verification import export_of
from tooling.schemas import render_schemas

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_every_published_event_of_the_sample_fits_the_model():
    documents = export_of()
    assert documents
    for document in documents:
        published = PublishedEvent.model_validate(document)
        published.typed_data()  # raises on a field the type does not document


def test_committed_schema_files_are_generated_from_the_models():
    for name, text in render_schemas().items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == text, (
            f"regenerate {name}: python -m tooling.schemas"
        )
