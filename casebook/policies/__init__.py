"""Policy files: the default policy shipped with Casebook, or a deployment's own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from domain.policy import Policy, parse_policy


def load_policy(path: Path | None = None) -> Policy:
    """Load a policy file; with no path, the default policy (the contract's tables)."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files(__package__).joinpath("default.json").read_text(encoding="utf-8")
    )
    return parse_policy(text)
