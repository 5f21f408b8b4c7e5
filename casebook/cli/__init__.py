"""The `casebook` command line: one module per command group, each exposing `register()`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from pydantic import ValidationError
from pydantic_settings import SettingsError

from casebook.cli import (
    audit,
    broker,
    engine,
    policy,
    postgres,
    replay,
    serve,
    settings_dump,
    status,
    topics,
    views,
    whatif,
)
from casebook.policies import PolicyError

PRIVATE_UMASK = 0o077
COMMAND_MODULES = (
    broker,
    postgres,
    topics,
    replay,
    engine,
    views,
    audit,
    whatif,
    policy,
    serve,
    status,
    settings_dump,
)
PLUGIN_GROUP = "casebook.commands"
"""Entry points adding commands from outside the product (`casebook bench` comes from
`tooling`): the product never imports its tooling, the tooling registers itself."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="casebook", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda point: point.name):
        plugin.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; each command's handler returns the process exit code."""
    args = build_parser().parse_args(argv)
    # Everything Casebook writes (data dir, stores, exports, and what the broker and
    # PostgreSQL it starts write: they inherit it) is its user's alone: evidence and
    # secrets are not for the machine's other users.
    os.umask(PRIVATE_UMASK)
    try:
        code: int = args.handler(args)
    except (ValidationError, SettingsError) as error:
        # Named by setting and problem only: settings hold secrets (tokens, passwords).
        print(f"casebook: invalid settings: {describe_settings_error(error)}", file=sys.stderr)
        return 2
    except PolicyError as error:
        print(f"casebook: invalid policy {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`casebook ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def describe_settings_error(error: ValidationError | SettingsError) -> str:
    """Each bad setting as `CASEBOOK_NAME: problem`, never the value (nor a dict key of it)."""
    if isinstance(error, SettingsError):
        # pydantic-settings' own message names the field and the source, not the value.
        field = str(error).split("field ", 1)[-1].split(" ", 1)[0].strip('"')
        return f"CASEBOOK_{field.upper()}: not valid JSON"
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        field = str(detail["loc"][0]) if detail["loc"] else "settings"
        name = f"CASEBOOK_{field.upper()}" if detail["loc"] else "settings"
        problems.append(f"{name}: {detail['msg']}")
    return "; ".join(problems)


if __name__ == "__main__":
    sys.exit(main())
