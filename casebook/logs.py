"""Log lines for people (text, the default) or for log pipelines (one JSON object a line).

Both name the role in every line. Whatever a library or an exception puts in a message, the
secrets the process was given (tokens, passwords, SASL credentials, source secrets) never
reach the output: the handler blanks them in each formatted line, JSON-escaped forms too.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(role)s] %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(role)s %(event)s %(name)s %(message)s"
JSON_NAMES = {"levelname": "level", "name": "logger"}
REDACTED = "[redacted]"
MIN_REDACTED_CHARS = 6
"""Shorter values are not blanked: a two-letter password would blank half of every line
(and is no secret worth the name)."""


class _RoleAndEvent(logging.Filter):
    """Every record gets the process's role and an event name (the logger's, unless the
    call gave one: `extra={"event": "role_readiness", ...}`)."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self._role = role

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "role"):
            record.role = self._role
        if not hasattr(record, "event"):
            record.event = record.name
        return True


class RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that blanks every known secret in each formatted line."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(sys.stderr)
        forms = set()
        for secret in secrets:
            if len(secret) >= MIN_REDACTED_CHARS:
                forms.add(secret)
                forms.add(json.dumps(secret)[1:-1])
        self._secrets = sorted(forms, key=len, reverse=True)  # longest first: no partial blanks

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        return line


def configure_logging(
    log_format: Literal["text", "json"],
    role: str,
    secrets: Iterable[str] = (),
    level: int = logging.INFO,
) -> None:
    """The process's root handler (replacing any, a forked child's parent's too)."""
    handler = RedactingHandler(secrets)
    handler.addFilter(_RoleAndEvent(role))
    if log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES, timestamp="time"))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("kafka").setLevel(logging.WARNING)
