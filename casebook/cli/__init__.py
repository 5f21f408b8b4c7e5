"""The `casebook` command line: one module per command group, each exposing `register()`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from casebook.cli import (
    audit,
    bench,
    broker,
    engine,
    postgres,
    replay,
    serve,
    topics,
    views,
    whatif,
)

COMMAND_MODULES = (broker, postgres, topics, replay, engine, views, audit, whatif, serve, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="casebook", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; each command's handler returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:
        # The reader went away (`casebook ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
