"""Writing one case's messages: each with the outcome it is meant to have, and the noise
(messages rejected for exactly one reason, invalid ones, duplicates near and far)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tooling.histories.expected import ExpectedCase, ExpectedProposal
from tooling.histories.shape import Line, encode, message_dict, valid_line


class HistorySink(Protocol):
    """What a case's script writes to (the history's `Writer`)."""

    rng: random.Random
    remaining: int
    message_counter: int
    customers: list[tuple[str, str]]
    engineers: list[str]
    cases: dict[str, ExpectedCase]

    def next_message_id(self) -> str: ...
    def add(self, line: Line) -> None: ...
    def seq(self) -> int: ...


class CaseBasics:
    """A case's clock, its actors and how its messages are written: accepted, rejected for
    one reason (noise), duplicated; `CaseScript` tells the story with them."""

    def __init__(self, writer: HistorySink, case_id: str, opened_at: datetime) -> None:
        self.w = writer
        self.rng = writer.rng
        self.case_id = case_id
        self.t = opened_at
        self.customer_id, self.tier = self.rng.choice(writer.customers)
        self.engineer = self.rng.choice(writer.engineers)
        self.status = "open"
        self.case: ExpectedCase | None = None
        self.pending: ExpectedProposal | None = None
        self.last_proposal_ids: list[str] = []
        self.last_accepted_at = opened_at

    # -- emitting

    def send(
        self,
        type_: str,
        actor: tuple[str, str],
        rejection: str | None = None,
        *,
        at: datetime | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Write one parseable message; `rejection` is the reason it must get (None: accepted)."""
        stamp = self.t if at is None else at
        message = message_dict(
            self.w.next_message_id(), self.case_id, type_, stamp, actor[0], actor[1], **fields
        )
        if self.rng.random() < 0.03:
            message["x_upstream_trace"] = f"trace-{self.rng.randint(0, 10**6)}"
        self.w.add(valid_line(message, stamp, self.t, self.w.seq(), rejection))
        if rejection is None:
            self.last_accepted_at = max(self.last_accepted_at, stamp)
        self.maybe_duplicate(message, stamp)
        return message

    def maybe_duplicate(self, message: dict[str, Any], stamp: datetime) -> None:
        roll = self.rng.random()
        if roll >= 0.04 or self.w.remaining < 1:
            return
        copy = dict(message)
        arrive = self.t
        if roll < 0.015:  # far: days later, and possibly with a different body
            arrive = self.t + timedelta(hours=self.rng.randint(6, 240))
            if self.rng.random() < 0.5:
                copy["body"] = "re-sent with another body"
        self.w.add(Line(arrive, self.w.seq(), encode(copy), valid_at=stamp, duplicate=True))

    def send_invalid(self) -> None:
        """A message with a readable identity that breaks the envelope's or its type's schema."""
        message = message_dict(
            self.w.next_message_id(),
            self.case_id,
            "case.responded",
            self.t,
            self.engineer,
            "engineer",
        )
        dated: datetime | None = self.t
        kind = self.rng.randrange(6)
        if kind == 0:
            message["at"] = self.t.strftime("%Y-%m-%dT%H:%M:%S")  # naive
            dated = None
        elif kind == 1:
            del message["actor"]
        elif kind == 2:
            message.update(
                type="severity.proposed",
                severity=str(self.rng.randint(1, 4)),
                reason="typed as text",
            )
        elif kind == 3:
            message["type"] = "case.escalated"
        elif kind == 4:
            message["actor"] = {"id": self.engineer, "role": "admin"}
        else:
            del message["at"]
            dated = None
        line = Line(
            self.t,
            self.w.seq(),
            encode(message),
            "invalid_message",
            message["message_id"],
            self.case_id,
            dated,
        )
        self.w.add(line)
        # A rejected message re-sent: a duplicate, not a second rejection.
        if self.rng.random() < 0.1:
            self.w.add(Line(self.t, self.w.seq(), encode(message), duplicate=True))

    def tick(self, low: int = 1, high: int = 600) -> None:
        self.t += timedelta(minutes=self.rng.randint(low, high))

    @property
    def customer(self) -> tuple[str, str]:
        return (self.customer_id, "customer")

    @property
    def eng(self) -> tuple[str, str]:
        return (self.engineer, "engineer")

    def noise(self) -> None:
        """One message that must be rejected for exactly one reason, given the case's state."""
        assert self.case is not None
        other = self.rng.choice(
            [c for c in self.w.customers if c[0] != self.customer_id] or [("stranger", "")]
        )
        responded = self.case.first_response_at is not None
        options = ["invalid", "role", "stranger", "before_open", "exists"]
        late_by = int((self.last_accepted_at - self.case.opened_at).total_seconds())
        if late_by > 1:
            options.append("out_of_order")
        if not responded:
            options.append("no_initial_contact")
        elif self.status == "open":
            options += ["unchanged", "no_pending"] + (["above_cap"] if self.case.capped else [])
        options.append("resolve_again" if self.status == "resolved" else "reopen_open")
        kind = self.rng.choice(options)
        if kind == "invalid":
            self.send_invalid()
        elif kind == "role":
            self.send("case.resolved", self.customer, "actor_not_allowed")
        elif kind == "stranger":
            self.send("case.closed", (other[0], "customer"), "actor_not_allowed")
        elif kind == "before_open":
            early = self.case.opened_at - timedelta(minutes=self.rng.randint(1, 300))
            self.send("case.responded", self.eng, "before_open", at=early)
        elif kind == "out_of_order":
            late = self.case.opened_at + timedelta(seconds=self.rng.randint(0, late_by - 1))
            self.send("case.responded", self.eng, "out_of_order", at=late)
        elif kind == "exists":
            customer = {"id": self.customer_id, "tier": self.tier}
            self.send("case.opened", self.customer, "case_exists", customer=customer, severity=3)
        elif kind == "no_initial_contact":
            self.send(
                "severity.proposed", self.eng, "no_initial_contact", severity=4, reason="too early"
            )
        elif kind == "unchanged":
            current = self.case.severity(datetime.max.replace(tzinfo=UTC))
            self.send(
                "severity.proposed", self.eng, "severity_unchanged", severity=current, reason="same"
            )
        elif kind == "above_cap":
            self.send(
                "severity.proposed", self.eng, "severity_above_cap", severity=1, reason="critical"
            )
        elif kind == "no_pending":
            self.no_pending()
        elif kind == "resolve_again":
            self.send("case.resolved", self.eng, "invalid_transition")
        else:
            self.send("case.reopened", self.customer, "invalid_transition")

    def no_pending(self) -> None:
        if self.pending is None:
            self.send("severity.agreed", self.customer, "no_pending_proposal")
        else:
            stale = self.last_proposal_ids[-1] if self.last_proposal_ids else "p-never-made"
            self.send("severity.declined", self.customer, "no_pending_proposal", proposal_id=stale)
