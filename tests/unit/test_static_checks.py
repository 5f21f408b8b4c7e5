"""The code reads as it is typed and linted: a type error or a lint finding fails here, not
in review. The tools and their settings are the project's own (`pyproject.toml`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "domain",
    "projections",
    "consumers",
    "analysis",
    "evidence",
    "tooling",
    "casebook",
    "infra",
    "tests",
]
TOOLS = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )


def test_mypy_finds_no_type_error() -> None:
    done = run(str(TOOLS / "mypy"), *PACKAGES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_nothing_to_fix_and_nothing_to_reformat() -> None:
    lint = run(str(TOOLS / "ruff"), "check", *PACKAGES)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    form = run(str(TOOLS / "ruff"), "format", "--check", *PACKAGES)
    assert form.returncode == 0, form.stdout + form.stderr
