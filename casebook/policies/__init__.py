"""Policy files: the default policy shipped with Casebook, or a deployment's own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from domain.policy import Policy, parse_policy

BUSINESS_HOURS_EXAMPLE = Path(__file__).with_name("business-hours.json")
"""The shipped SLA v2 example: office hours, holidays, three metrics (README)."""


class PolicyError(ValueError):
    """A policy file that cannot be used: its path, the first offending key and why."""


def load_policy(path: Path | None = None) -> Policy:
    """Load a policy file; with no path, the default policy (the contract's tables).

    PolicyError when the file cannot be read or is not a usable policy: the whole policy is
    refused before any message is decided (contract SLA 2.0), never turned into rejections.
    """
    try:
        text = (
            path.read_text(encoding="utf-8")
            if path is not None
            else resources.files(__package__).joinpath("default.json").read_text(encoding="utf-8")
        )
        return parse_policy(text)
    except ValidationError as error:
        raise PolicyError(f"{path}: {describe_policy_error(error)}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot be read ({error})") from None


def describe_policy_error(error: ValidationError) -> str:
    """The first offending key and what is wrong with it, as one line: what a command that
    refuses a policy prints (`calendars.eu-office.timezone: 'Mars/Olympus' is not ...`)."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"] if not str(part).startswith("function-"))
    message = str(first["msg"]).removeprefix("Value error, ")
    more = error.error_count() - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{where or 'policy'}: {message}{suffix}"
