"""The rejected-messages list: every refused message with its reason, in arrival order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RejectedMessage:
    reason: str
    detail: str
    message_id: str | None
    case_id: str | None
    at: datetime | None
    line: int | None = None
    source: str | None = None

    def visible_at(self, as_of: datetime) -> bool:
        """Undated messages (unreadable JSON) are always shown: they cannot be placed in time."""
        return self.at is None or self.at <= as_of

    def to_report(self) -> dict[str, Any]:
        return rejection_report(self.reason, self.message_id, self.case_id, self.line, self.source)


def rejection_report(
    reason: str,
    message_id: str | None,
    case_id: str | None,
    line: int | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """A refusal's report entry (a stored one is reported without being rebuilt first)."""
    if message_id is None:
        entry: dict[str, Any] = {"line": line} if line is not None else {"source": source}
        entry["reason"] = reason
        return entry
    return {"message_id": message_id, "case_id": case_id, "reason": reason}


class RejectedList:
    def __init__(self) -> None:
        self.entries: list[RejectedMessage] = []

    def add(self, entry: RejectedMessage) -> None:
        self.entries.append(entry)

    def refuse(
        self,
        reason: str,
        detail: str,
        message_id: str | None,
        case_id: str | None,
        at: datetime | None,
        line: int,
    ) -> None:
        """A replayed line refused (the replay's `RejectionSink`)."""
        self.entries.append(RejectedMessage(reason, detail, message_id, case_id, at, line))

    def report(self, as_of: datetime) -> list[dict[str, Any]]:
        return [entry.to_report() for entry in self.entries if entry.visible_at(as_of)]
