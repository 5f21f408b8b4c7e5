"""`casebook status`: the deployment in one table, from Kafka and the stores."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from casebook.settings import Settings
from casebook.wiring import wall_clock
from consumers.deployment_status import DeploymentStatus, RoleStatus, deployment_status
from consumers.errors import RETRIABLE
from domain.timefmt import format_instant


def register(subparsers: Any) -> None:
    status = subparsers.add_parser(
        "status",
        help="each role's instances, lag per partition, last commit, the elected relay;"
        " dead letters in the last hour and open breaches (read from Kafka and the stores)",
    )
    status.add_argument("--json", action="store_true", help="one JSON object instead")
    status.set_defaults(handler=show_status)


def show_status(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        status = deployment_status(settings.kafka(), settings.stores(), wall_clock())
    except RETRIABLE as error:
        print(f"casebook status: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(status.to_json(), indent=2, sort_keys=True))
    else:
        print(render(status))
    return 0


def render(status: DeploymentStatus) -> str:
    """The table an operator reads: a line per role, then its partitions that lag."""
    header = ("role", "instances", "state", "lag", "last commit", "elected")
    rows = [header] + [_row(role) for role in status.roles]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    for role in status.roles:
        for partition in role.partitions:
            if partition.lag:
                lines.append(
                    f"  {role.role}: {partition.topic}[{partition.partition}] {partition.lag}"
                    f" behind (end {partition.end}, position {partition.position})"
                )
    lines.append(f"dead letters in the last hour: {status.dead_letters_last_hour}")
    lines.append(f"breaches open: {status.breaches_open}")
    lines.append(f"as of {format_instant(status.at)}")
    return "\n".join(lines)


def _row(role: RoleStatus) -> tuple[str, ...]:
    age = "-" if role.last_commit_age_s is None else f"{role.last_commit_age_s:.0f} s ago"
    elected = "" if role.role not in ("relay", "warnings-relay") else (role.elected or "none")
    return (role.role, str(role.instances), role.state, str(role.lag), age, elected)
