"""`casebook policy check|holidays`: try a policy before adopting it, and fill its holidays.

`check` validates a file as the engine would at start (the first offending key named, exit
2) and prints what it would do: each calendar's week and holidays, which calendar each rule
gives, the targets, overlapping intervals (valid, their union counts, but usually a typo),
and the due instants of a sample opening. `holidays` writes a country's public holidays
(the `holidays` package) into one calendar of a policy file, so a verdict never depends on
that package's version: the dates are in the file, and its hash names them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from casebook.policies import PolicyError, describe_policy_error, load_policy
from domain.calendar_policy import ALWAYS, ALWAYS_CALENDAR, METRICS
from domain.calendars import WEEKDAYS, Calendar
from domain.policy import Policy, parse_policy
from domain.timefmt import format_instant, parse_instant


def register(subparsers: Any) -> None:
    policy = subparsers.add_parser("policy", help="check a policy file, or fill its holidays")
    commands = policy.add_subparsers(dest="policy_command", required=True)

    check = commands.add_parser("check", help="validate a policy and show what it decides")
    check.add_argument("file", type=Path)
    check.add_argument(
        "--opening",
        type=parse_instant,
        default=None,
        help="the sample opening's instant (default: now)",
    )
    check.set_defaults(handler=run_check)

    fill = commands.add_parser("holidays", help="write a country's holidays into a calendar")
    fill.add_argument("--country", required=True, help="ISO 3166 code, e.g. DE")
    fill.add_argument("--subdivision", default=None, help="e.g. BE (Berlin)")
    fill.add_argument("--years", required=True, help="a year or a range: 2026-2028")
    fill.add_argument("--policy", type=Path, default=None, help="the policy file to update")
    fill.add_argument("--calendar", default=None, help="the calendar of --policy to fill")
    fill.set_defaults(handler=run_holidays)


def run_check(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.file)
    except PolicyError as error:
        print(f"casebook policy check: {error}", file=sys.stderr)
        return 2
    opening = args.opening or datetime.now(UTC)  # an edge, not the domain: the wall clock
    sys.stdout.write(describe_policy(policy, opening))
    return 0


def describe_policy(policy: Policy, opening: datetime) -> str:
    lines = [f"policy {policy.id} version {policy.version}: valid", f"hash {policy.content_hash}"]
    if not policy.has_calendars:
        lines.append("no calendars or targets: every case is judged 24/7, as in version 1")
    for name, spec in policy.calendars.items():
        calendar = policy.calendar(name)
        lines.append(f"calendar {name}: {spec.timezone}, hash {calendar.content_hash}")
        for day, intervals in zip(WEEKDAYS, calendar.weekly, strict=True):
            hours = ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in intervals)
            lines.append(f"  {day} {hours or 'closed'}")
        lines.append(f"  holidays: {len(spec.holidays)}" + _holiday_range(spec.holidays))
        lines.extend(f"  warning: {overlap}" for overlap in spec.overlaps())
    for index, rule in enumerate(policy.calendar_rules):
        who = " and ".join(
            part
            for part in (
                f"tiers {', '.join(rule.tiers)}" if rule.tiers is not None else "",
                f"customers {', '.join(rule.customer_ids)}" if rule.customer_ids else "",
            )
            if part
        )
        lines.append(f"rule {index}: {who or 'every case'} -> {rule.calendar}")
    lines.append(f"sample opening at {format_instant(opening)}: due instants")
    calendars = [ALWAYS_CALENDAR] if not policy.calendar_rules else _ruled(policy)
    for calendar in calendars:
        for severity in (1, 2, 3, 4):
            lines.append(
                f"  {calendar.id} severity {severity}: {_dues(policy, calendar, severity, opening)}"
            )
    return "\n".join(lines) + "\n"


def _dues(policy: Policy, calendar: Calendar, severity: int, opening: datetime) -> str:
    parts = []
    for metric in METRICS:
        if metric == "first_response":
            minutes, clock = policy.first_response(severity, calendar)
        else:
            target = policy.metric_target(severity, metric)
            if target is None:
                continue
            minutes, clock = target, calendar
        due = clock.due(opening, timedelta(minutes=minutes))
        shown = "never" if due is None else format_instant(due)
        parts.append(f"{metric} {minutes} min ({clock.id}) due {shown}")
    return "; ".join(parts)


def _ruled(policy: Policy) -> list[Calendar]:
    chosen = {rule.calendar: policy.calendar(rule.calendar) for rule in policy.calendar_rules}
    chosen.setdefault(ALWAYS, ALWAYS_CALENDAR)
    return list(chosen.values())


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _holiday_range(holidays: tuple[str, ...]) -> str:
    return f" ({min(holidays)} to {max(holidays)})" if holidays else ""


def run_holidays(args: argparse.Namespace) -> int:
    try:
        years = _years(args.years)
        dates = country_holidays(args.country, args.subdivision, years)
    except ValueError as error:
        print(f"casebook policy holidays: {error}", file=sys.stderr)
        return 2
    if args.policy is None:
        json.dump(dates, sys.stdout)
        sys.stdout.write("\n")
        return 0
    document = json.loads(args.policy.read_text(encoding="utf-8"))
    calendar = (document.get("calendars") or {}).get(args.calendar)
    if not isinstance(calendar, dict) or args.calendar == ALWAYS:
        print(
            f"casebook policy holidays: {args.policy} has no calendar {args.calendar!r} to fill"
            " (name one of its calendars with --calendar)",
            file=sys.stderr,
        )
        return 2
    before = set(calendar.get("holidays", []))
    calendar["holidays"] = sorted(before | set(dates))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        parse_policy(text)
    except ValidationError as error:
        print(
            f"casebook policy holidays: the result would be invalid: {describe_policy_error(error)}",
            file=sys.stderr,
        )
        return 2
    args.policy.write_text(text, encoding="utf-8")
    added = len(set(dates) - before)
    print(
        f"{args.policy}: calendar {args.calendar}: {added} holidays added, {len(calendar['holidays'])} in all"
    )
    return 0


def country_holidays(country: str, subdivision: str | None, years: range) -> list[str]:
    """The public holidays of a country (and subdivision) in those years, as ISO dates."""
    import holidays  # imported here: only this command pays for loading it

    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
    except NotImplementedError as error:  # its answer to an unknown country or subdivision
        raise ValueError(f"the holidays package: {error}") from None
    return sorted(day.isoformat() for day in found)


def _years(text: str) -> range:
    first, _, last = text.partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise ValueError(f"--years {text!r}: give a year or a range like 2026-2028") from None
    if not 1970 <= start <= end <= 8999 or end - start > 100:
        raise ValueError(f"--years {text!r}: years from 1970 to 8999, at most 100 of them")
    return range(start, end + 1)
