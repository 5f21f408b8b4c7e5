"""The command line imports only the module of the command asked for, and its table of
commands is the one the modules register."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from casebook.cli import COMMANDS, build_parser


def test_the_command_table_is_what_each_module_registers_in_help_order() -> None:
    registered: dict[str, str] = {}
    for module in dict.fromkeys(COMMANDS.values()):
        subparsers = argparse.ArgumentParser().add_subparsers()
        import_module(f"casebook.cli.{module}").register(subparsers)
        registered.update(dict.fromkeys(subparsers.choices, module))
    assert registered == COMMANDS
    assert list(registered) == list(COMMANDS)


def test_without_a_command_every_command_and_plugin_is_offered() -> None:
    choices = build_parser([]).parse_known_args(["replay", "--input", "x"])[0]
    assert choices.command == "replay"
    subparsers = next(
        action
        for action in build_parser(["--help"])._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert list(subparsers.choices) == [*COMMANDS, "bench"]


@pytest.mark.parametrize(
    ("command", "absent"),
    [
        ("replay", ["casebook.cli.engine", "casebook.cli.broker", "psycopg", "kafka"]),
        ("policy", ["casebook.cli.replay", "casebook.web", "kafka"]),
    ],
)
def test_a_command_imports_neither_the_other_commands_nor_their_libraries(
    command: str, absent: list[str], tmp_path: Path
) -> None:
    history = tmp_path / "one.jsonl"
    history.write_text("")
    args = {"replay": ["replay", "--input", str(history)], "policy": ["policy", "check"]}[command]
    if command == "policy":
        args.append(str(Path(__file__).resolve().parents[2] / "casebook/policies/default.json"))
    probe = (
        "import json, sys\n"
        "from casebook.cli import main\n"
        f"code = main({args!r})\n"
        f"print(json.dumps([code, [m for m in {absent!r} if m in sys.modules]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    code, imported = json.loads(result.stdout.strip().splitlines()[-1])
    assert code == 0, result.stderr
    assert imported == []
