"""Builders for intake messages, and a desk on in-memory adapters: the unit tests' vocabulary."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.replay import Replay, replay_history
from casebook.policies import load_policy
from domain.case import Case
from domain.desk import IntakeDesk, Outcome
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from domain.policy import Policy

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
POLICY = load_policy()
CUSTOMER = "acme"
ENGINEER = "eng-7"
_ids = itertools.count(1)

Message = dict[str, Any]


def instant(minutes: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(minutes: float = 0) -> str:
    """`T0 + minutes`, as upstream writes it (UTC, `Z`)."""
    return instant(minutes).strftime("%Y-%m-%dT%H:%M:%SZ")


def message(
    type_: str,
    minutes: float = 0,
    *,
    case_id: str = "C-1",
    actor: tuple[str, str] = (CUSTOMER, "customer"),
    message_id: str | None = None,
    **fields: Any,
) -> Message:
    return {
        "message_id": message_id or f"m-{next(_ids)}",
        "case_id": case_id,
        "type": type_,
        "at": stamp(minutes),
        "actor": {"id": actor[0], "role": actor[1]},
        **fields,
    }


def opened(
    minutes: float = 0,
    *,
    severity: int = 2,
    customer: str = CUSTOMER,
    tier: str = "enterprise",
    technologies: list[str] | None = None,
    **fields: Any,
) -> Message:
    extra: dict[str, Any] = {"technologies": technologies} if technologies is not None else {}
    return message(
        "case.opened",
        minutes,
        actor=(customer, "customer"),
        customer={"id": customer, "tier": tier},
        severity=severity,
        subject="checkout down",
        **extra,
        **fields,
    )


def responded(minutes: float, engineer: str = ENGINEER, **fields: Any) -> Message:
    return message("case.responded", minutes, actor=(engineer, "engineer"), **fields)


def proposed(minutes: float, severity: int, engineer: str = ENGINEER, **fields: Any) -> Message:
    return message(
        "severity.proposed",
        minutes,
        actor=(engineer, "engineer"),
        severity=severity,
        reason="assessed",
        **fields,
    )


def agreed(minutes: float, customer: str = CUSTOMER, **fields: Any) -> Message:
    return message("severity.agreed", minutes, actor=(customer, "customer"), **fields)


def declined(minutes: float, customer: str = CUSTOMER, **fields: Any) -> Message:
    return message("severity.declined", minutes, actor=(customer, "customer"), **fields)


def resolved(minutes: float, engineer: str = ENGINEER, **fields: Any) -> Message:
    return message("case.resolved", minutes, actor=(engineer, "engineer"), **fields)


def reopened(minutes: float, customer: str = CUSTOMER, **fields: Any) -> Message:
    return message("case.reopened", minutes, actor=(customer, "customer"), **fields)


def closed(minutes: float, actor: tuple[str, str] = ("system", "system"), **fields: Any) -> Message:
    return message("case.closed", minutes, actor=actor, **fields)


def line(document: Message) -> bytes:
    return json.dumps(document).encode("utf-8")


def replay(messages: Iterable[Message | bytes], policy: Policy = POLICY) -> Replay:
    return replay_history(
        (m if isinstance(m, bytes) else line(m) for m in messages), policy, keep_audit_events=True
    )


def report(messages: Iterable[Message | bytes], as_of: datetime | None = None) -> dict[str, Any]:
    return replay(messages).report(as_of)


class Desk:
    """An intake desk on in-memory adapters, fed with message dictionaries."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.cases = InMemoryCases()
        self.ledger = InMemoryLedger()
        self.desk = IntakeDesk(self.cases, self.ledger, policy)

    def take(self, document: Message | bytes) -> Outcome:
        raw = document if isinstance(document, bytes) else line(document)
        return self.desk.take(parse_message(raw))

    def take_all(self, *documents: Message) -> list[Outcome]:
        return [self.take(d) for d in documents]

    def case(self, case_id: str = "C-1") -> Case:
        found = self.cases.find(case_id)
        assert found is not None, f"case {case_id} was never opened"
        return found


def contract_fields(report: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the contract names (more may be added; these may not change)."""
    case_keys = (
        "case_id",
        "customer_id",
        "sla_severity",
        "requested_severity",
        "current_severity",
        "opened_at",
        "due_at",
        "first_response_at",
        "status",
    )
    change_keys = (
        "proposal_id",
        "from",
        "to",
        "proposed_by",
        "proposed_at",
        "outcome",
        "decided_by",
        "decided_at",
    )
    count_keys = ("opened", "met", "breached", "pending", "void", "compliance")
    sla = report["sla"]
    return {
        "as_of": report["as_of"],
        "sla": {
            "cases": [{k: c[k] for k in case_keys} for c in sla["cases"]],
            "by_severity": {
                level: {k: counts[k] for k in count_keys}
                for level, counts in sla["by_severity"].items()
            },
            "total": {k: sla["total"][k] for k in count_keys},
        },
        "rejected": [
            {k: r[k] for k in ("message_id", "case_id", "line", "reason") if k in r}
            for r in report["rejected"]
        ],
        "audit": {
            case_id: {
                "severity_changes": [
                    {k: c[k] for k in change_keys} for c in entry["severity_changes"]
                ]
            }
            for case_id, entry in report["audit"].items()
        },
    }
