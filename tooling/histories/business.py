"""A seeded history for SLA v2 policies (`casebook/policies/business-hours.json`): cases that
wait on their customers, hear back, are resolved, reopened and closed, opened at every hour
of the week across Berlin's and New York's autumn DST changes and their holidays.

Unlike `build_history` it carries no expected report: the replay is its oracle where the
live engine is compared with it, and `tests/unit/test_metrics.py` holds each rule of the
metrics to examples. Most messages are valid; some break a rule on purpose (waiting twice,
replying as a stranger), as upstream services do.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

FROM = datetime(2026, 10, 19, tzinfo=UTC)  # a week before Berlin's change, two before New York's
SPAN = timedelta(days=21)
CUSTOMERS = [(f"biz-{n:03d}", "enterprise" if n % 3 else "hosting_provider") for n in range(40)]
ENGINEERS = [f"eng-{n:02d}" for n in range(6)]


def business_history(cases: int, seed: int = 7) -> list[bytes]:
    """The history's lines, in time order (cases interleaved)."""
    rng = random.Random(seed)
    messages: list[tuple[datetime, int, dict[str, Any]]] = []
    for number in range(cases):
        for document in _case(rng, f"B-{number:05d}"):
            messages.append((datetime.fromisoformat(document["at"]), len(messages), document))
    messages.sort(key=lambda item: (item[0], item[1]))
    for index, (_, _, document) in enumerate(messages):
        document["message_id"] = f"bm-{index:07d}"
    return [json.dumps(document).encode() for _, _, document in messages]


def _case(rng: random.Random, case_id: str) -> list[dict[str, Any]]:
    customer, tier = rng.choice(CUSTOMERS)
    engineer = rng.choice(ENGINEERS)
    at = FROM + timedelta(minutes=rng.randrange(int(SPAN.total_seconds() // 60)))
    severity = rng.randint(1, 4)
    out = [
        _message(
            case_id,
            at,
            customer,
            "customer",
            "case.opened",
            customer={"id": customer, "tier": tier},
            severity=severity,
        )
    ]

    def later(*kinds: str) -> None:
        nonlocal at
        at += timedelta(minutes=rng.choice([3, 20, 45, 90, 240, 600, 1440, 2900]))
        kind = rng.choice(kinds)
        actor = (customer, "customer") if kind in CUSTOMER_KINDS else (engineer, "engineer")
        if kind == "case.customer_replied" and rng.random() < 0.05:
            actor = ("a-stranger", "customer")  # refused: not the case's customer
        fields: dict[str, Any] = {}
        if kind == "severity.proposed":
            fields = {"severity": rng.randint(1, 4), "reason": "re-assessed"}
        out.append(_message(case_id, at, actor[0], actor[1], kind, **fields))

    if rng.random() < 0.9:
        later("case.responded", "case.awaiting_customer")
    resolved = False
    for _ in range(rng.randint(1, 8)):
        if resolved:
            later("case.reopened", "case.customer_replied", "case.closed")
            kind = out[-1]["type"]
            if kind == "case.closed":
                return out
            resolved = kind != "case.reopened"
            continue
        later(
            "case.customer_replied",
            "case.customer_replied",
            "case.responded",
            "case.responded",
            "case.awaiting_customer",
            "severity.proposed",
            "severity.agreed",
            "case.resolved",
        )
        resolved = out[-1]["type"] == "case.resolved"
    if rng.random() < 0.3:
        later("case.closed")
    return out


CUSTOMER_KINDS = frozenset(
    {"case.customer_replied", "case.reopened", "severity.agreed", "severity.declined"}
)


def _message(
    case_id: str, at: datetime, actor: str, role: str, type_: str, **fields: Any
) -> dict[str, Any]:
    return {
        "message_id": "",
        "case_id": case_id,
        "type": type_,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": {"id": actor, "role": role},
        **fields,
    }
