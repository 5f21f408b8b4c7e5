"""Each folder has one job and its imports show it: a crossing fails here, not in review."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = sys.stdlib_module_names


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports (relative imports stay inside their package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", python_files("domain"), ids=relative)
def test_domain_imports_only_stdlib_pydantic_eventsourcing_domain_and_itself(path: Path) -> None:
    # orjson: a pure serialisation function (no I/O), the canonical JSON of the hash chain.
    # pydantic_core: pydantic's own validator core (a schema it cannot spell otherwise).
    crossings = sorted(
        module
        for module in imported_modules(path)
        if top(module) not in STDLIB
        and top(module) not in ("pydantic", "pydantic_core", "orjson", "domain", "__future__")
        and not (module == "eventsourcing.domain" or module.startswith("eventsourcing.domain."))
    )
    assert crossings == [], f"{relative(path)} imports {crossings}"


@pytest.mark.parametrize("path", python_files("projections"), ids=relative)
def test_projections_import_no_broker_no_database_no_outer_layer(path: Path) -> None:
    forbidden = {"kafka", "sqlite3", "psycopg", "psycopg2", "consumers", "infra", "casebook"}
    crossings = sorted(m for m in imported_modules(path) if top(m) in forbidden)
    assert crossings == [], f"{relative(path)} imports {crossings}"


def outside_the_kafka_edge() -> list[Path]:
    skipped = {".venv", "var", "consumers", "infra", "tests", "build", ".git"}
    return sorted(p for p in ROOT.rglob("*.py") if not skipped & set(p.relative_to(ROOT).parts[:1]))


@pytest.mark.parametrize("path", outside_the_kafka_edge(), ids=relative)
def test_only_consumers_infra_and_tests_import_kafka(path: Path) -> None:
    kafka = sorted(m for m in imported_modules(path) if top(m) == "kafka")
    assert kafka == [], f"{relative(path)} imports {kafka}"


def test_the_checks_see_the_code_they_guard() -> None:
    assert len(python_files("domain")) >= 8 and len(python_files("projections")) >= 3
    assert "eventsourcing.domain" in imported_modules(ROOT / "domain" / "case.py")


def test_the_parser_catches_a_crossing(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import kafka.admin\nfrom infra.kafka import broker\nfrom . import sibling\n")
    assert {top(m) for m in imported_modules(sample)} == {"kafka", "infra"}
