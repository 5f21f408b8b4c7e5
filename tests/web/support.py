"""A data dir holding what the live engine would have stored for the sample history.

The sample goes through the same desk as the engine (in-memory ports); each accepted case is
saved to the real event store (SQLite) and its recorded events, with the rejections, are
applied to the real view store, one batch per line, as the projection runner would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.event_store import open_case_store
from consumers.view_store import ViewStore
from domain.case import Case
from domain.desk import Accepted, IntakeDesk, Rejected
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from projections.rejections import RejectedMessage

SAMPLE = Path("/work/shared/samples/history-small.jsonl")
SAMPLE_REPORT = Path("/work/shared/samples/history-small.report.json")
INTAKE_TOPIC = "casebook.intake"

TOKENS = {
    "analyst-0b6f1c2e9a7d4e15-3f8a2c7d91e4": "analyst",
    "auditor-5c3a8e0f2b914d77-a1d06b5e3c28": "auditor",
    "admin-9e2d7b41c6a05f38-7c4e9d2b0a6f1": "admin",
}
TOKEN_OF = {role: token for token, role in TOKENS.items()}
# "Now" for the API tests: well after the sample's last message (2026-10-04).
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def web_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, store="sqlite", api_tokens=TOKENS)


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN_OF[role]}"}


def sample_report() -> dict[str, Any]:
    report: dict[str, Any] = json.loads(SAMPLE_REPORT.read_text(encoding="utf-8"))
    return report


def fill_data_dir(settings: Settings, *, with_event_store: bool = True) -> None:
    """Replay the sample into `settings`' view store (and event store, unless told not to)."""
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    store = open_case_store(settings.stores()) if with_event_store else None
    views = ViewStore(settings.stores())
    try:
        with SAMPLE.open("rb") as history:
            for offset, line in enumerate(history):
                events, rejections = _decide(desk, store, line.rstrip(b"\n"), offset)
                views.apply_batch(INTAKE_TOPIC, 0, offset, events, rejections)
    finally:
        views.close()
        if store is not None:
            store.close()


def _decide(
    desk: IntakeDesk, store: Any, raw: bytes, offset: int
) -> tuple[list[Case.Event], list[RejectedMessage]]:
    outcome = desk.take(parse_message(raw))
    if isinstance(outcome, Accepted):
        if store is None:
            return list(outcome.case.collect_events()), []
        return [recording.domain_event for recording in store.save(outcome.case)], []
    if isinstance(outcome, Rejected):
        rejection = RejectedMessage(
            reason=outcome.rejection.reason.value,
            detail=outcome.rejection.detail,
            message_id=outcome.message_id,
            case_id=outcome.case_id,
            at=outcome.at,
            source=f"{INTAKE_TOPIC}|0|{offset}",
        )
        return [], [rejection]
    return [], []
