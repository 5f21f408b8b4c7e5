"""Each package has one job and its imports show it: a crossing, a circle or a module grown
too large fails here, not in review.

The packages and their arrows (README, "Architecture"): `domain` at the bottom imports
nothing of ours; `projections` reads `domain`; `consumers` (Kafka workers and stores) and
`infra` (local servers) receive their configuration as arguments; the analysts' `analysis`
and the auditors' `evidence` build on the layers below; `casebook`, the composition root,
wires them; `tooling` (bench, history generator) sits above it, as the tests do, and
nothing of the product imports it. Every import counts, those under TYPE_CHECKING and
inside functions included.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = sys.stdlib_module_names
PACKAGES = (
    "domain",
    "projections",
    "consumers",
    "infra",
    "analysis",
    "evidence",
    "casebook",
    "tooling",
)
OURS = frozenset(PACKAGES) | {"tests"}
MAX_MODULE_LINES = 300
ROOT_SHARE = 0.20

# Which of our packages each package may import (besides itself), and which third-party
# top-level modules it may not.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "projections": frozenset({"domain"}),
    "consumers": frozenset({"domain", "projections"}),
    "infra": frozenset(),
    "analysis": frozenset({"domain", "projections"}),
    "evidence": frozenset({"domain", "consumers"}),
    "casebook": frozenset(PACKAGES) - {"tooling"},
    "tooling": frozenset(PACKAGES),
}
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "projections": frozenset({"kafka", "sqlite3", "psycopg", "eventsourcing", "fastapi"}),
    "analysis": frozenset({"kafka", "psycopg", "eventsourcing", "fastapi"}),
    "evidence": frozenset({"kafka", "psycopg", "fastapi"}),
    "consumers": frozenset({"fastapi", "uvicorn"}),
    "infra": frozenset({"fastapi", "uvicorn", "eventsourcing"}),
    "tooling": frozenset({"kafka"}),
}
# The only modules of `evidence` may reach into `consumers` for: the event store it reads.
EVIDENCE_READS = frozenset({"consumers.event_store"})
# Copying the environment for a child process is allowed; reading a setting from it is not.
ENVIRONMENT_COPIES = frozenset(
    {"infra/postgres/server.py", "tooling/bench/api.py", "tooling/bench/children.py"}
)


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top(module: str) -> str:
    return module.split(".")[0]


def imported_modules(path: Path, known: Iterable[str] = ()) -> set[str]:
    """Every absolute module a file imports. `from a import b` names `a.b` when that is a
    known module (importing a submodule), else `a` itself; relative imports are resolved."""
    known = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path if path.name == "__init__.py" else path.parent)
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "__future__":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def our_modules() -> dict[str, Path]:
    return {module_name(path): path for path in python_files(*PACKAGES)}


MODULES = our_modules()


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {
        name: {m for m in imported_modules(path, modules) if m in modules and m != name}
        for name, path in modules.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("path", python_files(*PACKAGES), ids=relative)
def test_each_module_imports_only_the_layers_its_package_may(path: Path) -> None:
    package = top(module_name(path))
    imported = imported_modules(path, MODULES)
    allowed = MAY_IMPORT[package] | {package}
    crossings = sorted(m for m in imported if top(m) in OURS and top(m) not in allowed)
    crossings += sorted(m for m in imported if top(m) in FORBIDDEN_THIRD_PARTY.get(package, ()))
    if package == "evidence":
        crossings += sorted(
            m for m in imported if top(m) == "consumers" and m not in EVIDENCE_READS
        )
    assert crossings == [], f"{relative(path)} imports {crossings}"


@pytest.mark.parametrize("path", python_files("domain"), ids=relative)
def test_domain_imports_only_stdlib_pydantic_orjson_eventsourcing_domain(path: Path) -> None:
    # orjson: a pure serialisation function (no I/O), the canonical JSON of the hash chain.
    # pydantic_core: pydantic's own validator core (a schema it cannot spell otherwise).
    # tzdata: the IANA zone rules as package data (SLA v2 calendars; its version is pinned).
    crossings = sorted(
        module
        for module in imported_modules(path, MODULES)
        if top(module) not in STDLIB
        and top(module) not in ("pydantic", "pydantic_core", "orjson", "tzdata", "domain")
        and not (module == "eventsourcing.domain" or module.startswith("eventsourcing.domain."))
    )
    assert crossings == [], f"{relative(path)} imports {crossings}"


@pytest.mark.parametrize(
    "path",
    [p for p in python_files(*PACKAGES) if top(module_name(p)) not in ("consumers", "infra")],
    ids=relative,
)
def test_only_consumers_infra_and_tests_import_kafka(path: Path) -> None:
    kafka = sorted(m for m in imported_modules(path, MODULES) if top(m) == "kafka")
    assert kafka == [], f"{relative(path)} imports {kafka}"


@pytest.mark.parametrize(
    "path", [p for p in python_files(*PACKAGES) if not relative(p).startswith("casebook/web")]
)
def test_only_the_web_entrypoints_import_the_web_framework(path: Path) -> None:
    web = sorted(m for m in imported_modules(path, MODULES) if top(m) in ("fastapi", "starlette"))
    assert web == [], f"{relative(path)} imports {web}"


def test_no_module_of_ours_imports_another_in_a_circle() -> None:
    assert circles(import_graph(MODULES)) == []


def test_no_module_is_over_the_limit() -> None:
    sources = [*python_files(*PACKAGES), *(ROOT / "casebook").rglob("*.js")]
    too_long = {
        relative(path): lines
        for path in sources
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_the_composition_root_is_at_most_a_fifth_of_the_code() -> None:
    def lines(paths: Iterable[Path]) -> int:
        return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)

    share = lines(python_files("casebook")) / lines(python_files(*PACKAGES))
    assert share <= ROOT_SHARE, f"casebook/ holds {share:.1%} of the lines"


@pytest.mark.parametrize("path", python_files(*PACKAGES), ids=relative)
def test_only_the_settings_read_the_environment(path: Path) -> None:
    if relative(path) in ENVIRONMENT_COPIES or relative(path) == "casebook/settings.py":
        return
    text = path.read_text(encoding="utf-8")
    assert "os.environ" not in text and "getenv" not in text, relative(path)


def test_every_package_says_what_it_is_for() -> None:
    for package in PACKAGES:
        tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring and len(docstring) > 60, f"{package}/__init__.py needs its docstring"


def test_the_checks_see_the_code_they_guard() -> None:
    assert len(MODULES) > 100
    assert "domain.rules" in import_graph(MODULES)["domain.case"]
    assert "eventsourcing.domain" in imported_modules(ROOT / "domain" / "case.py", MODULES)


def test_the_parser_catches_a_crossing_and_the_finder_a_circle(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import kafka.admin\nfrom infra.kafka import broker\nif True:\n"
        "    from casebook.settings import Settings\n"
    )
    found = imported_modules(sample, {"infra.kafka.broker"})
    assert found == {"kafka.admin", "infra.kafka.broker", "casebook.settings"}
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
