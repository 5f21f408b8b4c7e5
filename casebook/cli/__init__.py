"""The `casebook` command line: one module per command group, each exposing `register()`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import entry_points

from pydantic import ValidationError
from pydantic_settings import SettingsError

from casebook.policies import PolicyError

PRIVATE_UMASK = 0o077
COMMANDS: dict[str, str] = {
    "broker": "broker",
    "postgres": "postgres",
    "topics": "topics",
    "replay": "replay",
    "run": "engine",
    "publish": "engine",
    "rebuild": "engine",
    "sla": "views",
    "rejected": "views",
    "audit": "audit",
    "export": "audit",
    "whatif": "whatif",
    "policy": "policy",
    "serve": "serve",
    "status": "status",
    "settings": "settings_dump",
}
"""Each command and the module of `casebook.cli` that registers it, in `--help` order.

Only the module of the command asked for is imported: all of them (the broker's, the
engine's, the web API's, PostgreSQL's driver) took half a second to import, which
`casebook replay` of a small file paid before reading a line. A test holds this table
to what the modules register."""
PLUGIN_GROUP = "casebook.commands"
"""Entry points adding commands from outside the product (`casebook bench` comes from
`tooling`): the product never imports its tooling, the tooling registers itself."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only its command's module when `argv` names a command
    (so `--help` of a command lists that command), with every command otherwise."""
    parser = argparse.ArgumentParser(prog="casebook", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    arguments = sys.argv[1:] if argv is None else list(argv)
    asked = arguments[0] if arguments and not arguments[0].startswith("-") else None
    plugins = sorted(entry_points(group=PLUGIN_GROUP), key=lambda point: point.name)
    if asked in COMMANDS:
        modules, plugins = [COMMANDS[asked]], []
    else:
        modules = list(dict.fromkeys(COMMANDS.values()))
        if asked in {plugin.name for plugin in plugins}:
            modules, plugins = [], [plugin for plugin in plugins if plugin.name == asked]
    for module in modules:
        import_module(f"casebook.cli.{module}").register(subparsers)
    for plugin in plugins:
        plugin.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; each command's handler returns the process exit code."""
    args = build_parser(argv).parse_args(argv)
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
