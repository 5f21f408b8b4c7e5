"""`casebook settings`: the settings this process would run with, secrets masked.

What an operator compares between machines, or pastes into an issue: every value as
read from the environment and the defaults, with each token, password and source secret
shown as asterisks (the API tokens by count and role, never the token itself).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from casebook.settings import Settings

MASK = "**********"


def register(subparsers: Any) -> None:
    dump = subparsers.add_parser(
        "settings", help="the effective settings (CASEBOOK_* and defaults), secrets masked"
    )
    dump.add_argument("--json", action="store_true", help="one JSON object instead")
    dump.set_defaults(handler=show_settings)


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Every setting by its environment name; SecretStr fields dump as asterisks already."""
    values = settings.model_dump(mode="json")
    values["api_tokens"] = {
        f"token {n}": role for n, role in enumerate(values["api_tokens"].values(), 1)
    }
    return {f"CASEBOOK_{name.upper()}": value for name, value in sorted(values.items())}


def show_settings(args: argparse.Namespace) -> int:
    values = masked_settings(Settings())
    if args.json:
        print(json.dumps(values, indent=2, sort_keys=True))
        return 0
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        print(f"{name}={shown}")
    return 0
