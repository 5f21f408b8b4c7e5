"""Seeded, deterministic histories of intake messages, with the report they must produce.

Many interleaved cases (every tier, every severity, capped technologies in every spelling,
first responses early / late / at the deadline / never, severity proposals agreed / declined /
superseded / left pending, resolve / reopen / close) plus noise: unreadable lines, missing or
ill-typed fields, naive timestamps, wrong roles, strangers' customers, messages on unknown
cases, duplicates near and far. Every message is written with the outcome it was *meant* to
have, so the expected report is computed here, from intent, without the domain code: it is an
independent oracle for the replay, and the workload of `casebook bench`.

Each case is simulated on its own clock; a message's outcome depends only on its own case, so
interleaving the cases by time cannot change any outcome. The default policy's tables are
restated below on purpose (targets 2/6/12/24 h, the .NET / MS-SQL cap at 2).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

TARGET_MINUTES = {1: 120, 2: 360, 3: 720, 4: 1440}
CAP_LEVEL = 2
CAPPED_TECHNOLOGIES = ("dotnet", ".net", "mssql", "ms-sql", "sqlserver")
OTHER_TECHNOLOGIES = ("java", "php", "nodejs", "python", "ruby", "go", "mysql", "postgresql")
TIERS = ("hosting_provider",) * 4 + ("enterprise",) * 3 + ("developer",)
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
MAX_MESSAGE_BYTES = 64 * 1024


class _Full(Exception):
    """The requested number of lines has been written."""


@dataclass
class ExpectedProposal:
    proposal_id: str
    from_severity: int
    to_severity: int
    proposed_by: str
    proposed_at: datetime
    outcome: str = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None

    def report(self, as_of: datetime) -> dict[str, Any]:
        decided = self.decided_at is not None and self.decided_at <= as_of
        return {
            "proposal_id": self.proposal_id,
            "from": self.from_severity,
            "to": self.to_severity,
            "proposed_by": self.proposed_by,
            "proposed_at": _z(self.proposed_at),
            "outcome": self.outcome if decided else "pending",
            "decided_by": self.decided_by if decided else None,
            "decided_at": _z(self.decided_at) if decided else None,
        }


@dataclass
class ExpectedCase:
    case_id: str
    customer_id: str
    requested_severity: int
    sla_severity: int
    capped: bool
    opened_at: datetime
    due_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    agreed: list[tuple[datetime, int]] = field(default_factory=list)
    proposals: list[ExpectedProposal] = field(default_factory=list)

    def status(self, as_of: datetime) -> str:
        """The contract's first-response status, restated from the contract's text."""
        response = self.first_response_at
        if response is not None and response <= as_of:
            return "met" if response <= self.due_at else "breached"
        if self.closed_at is not None and self.closed_at <= as_of and self.closed_at <= self.due_at:
            return "void"
        return "breached" if as_of > self.due_at else "pending"

    def severity(self, as_of: datetime) -> int:
        current = self.sla_severity
        for at, to_severity in self.agreed:
            if at <= as_of:
                current = to_severity
        return current

    def report(self, as_of: datetime) -> dict[str, Any]:
        response = self.first_response_at
        return {
            "case_id": self.case_id,
            "customer_id": self.customer_id,
            "sla_severity": self.sla_severity,
            "requested_severity": self.requested_severity,
            "current_severity": self.severity(as_of),
            "opened_at": _z(self.opened_at),
            "due_at": _z(self.due_at),
            "first_response_at": _z(response) if response and response <= as_of else None,
            "status": self.status(as_of),
        }


@dataclass(frozen=True)
class ExpectedRejection:
    line: int
    message_id: str | None
    case_id: str | None
    at: datetime | None
    reason: str

    def report(self) -> dict[str, Any]:
        if self.message_id is None:
            return {"line": self.line, "reason": self.reason}
        return {"message_id": self.message_id, "case_id": self.case_id, "reason": self.reason}


@dataclass
class ExpectedHistory:
    """What replaying the history must report, known from how it was written."""

    cases: dict[str, ExpectedCase]
    rejections: list[ExpectedRejection]
    latest_at: datetime | None
    lines: int
    duplicates: int

    def rejections_by_reason(self, as_of: datetime | None = None) -> Counter[str]:
        instant = as_of or self.latest_at
        return Counter(r.reason for r in self.rejections if _visible(r.at, instant))

    def statuses(self, as_of: datetime | None = None) -> dict[str, str]:
        instant = as_of or self.latest_at
        assert instant is not None
        return {c.case_id: c.status(instant) for c in self.cases.values() if c.opened_at <= instant}

    def report(self, as_of: datetime | None = None) -> dict[str, Any]:
        """The contract's fields of the replay report, as of T (default: the latest valid `at`)."""
        instant = as_of or self.latest_at
        assert instant is not None, "a history with no valid message has no default instant"
        visible = sorted(
            (c for c in self.cases.values() if c.opened_at <= instant),
            key=lambda c: (c.opened_at, c.case_id),
        )
        rows = [c.report(instant) for c in visible]
        by_severity = {
            str(level): _counts([r for r in rows if r["sla_severity"] == level])
            for level in TARGET_MINUTES
        }
        return {
            "as_of": _z(instant),
            "sla": {"cases": rows, "by_severity": by_severity, "total": _counts(rows)},
            "rejected": [r.report() for r in self.rejections if _visible(r.at, instant)],
            "audit": {
                c.case_id: {
                    "severity_changes": [
                        p.report(instant) for p in c.proposals if p.proposed_at <= instant
                    ]
                }
                for c in visible
            },
        }


@dataclass(frozen=True)
class GeneratedHistory:
    lines: list[bytes]
    expected: ExpectedHistory


def generate_history(messages: int, seed: int) -> Iterator[bytes]:
    """`messages` lines (each ending in a newline) of a history, the same for the same seed."""
    yield from build_history(messages, seed).lines


def build_history(messages: int, seed: int) -> GeneratedHistory:
    """The lines of a history and the report they must produce."""
    writer = _Writer(messages, random.Random(seed))
    writer.run()
    return writer.finish()


# ---- writing -----------------------------------------------------------------------------


@dataclass
class _Line:
    arrive: datetime
    seq: int
    raw: bytes
    reason: str | None = None  # None: accepted, or a duplicate
    message_id: str | None = None  # as the rejection report names it
    case_id: str | None = None
    at: datetime | None = None  # as the rejection report dates it
    valid_at: datetime | None = None  # `at` of a parseable message (counts towards the default T)
    duplicate: bool = False


class _Writer:
    def __init__(self, messages: int, rng: random.Random) -> None:
        self.rng = rng
        self.remaining = messages
        self.written: list[_Line] = []
        self.cases: dict[str, ExpectedCase] = {}
        self.customers = [
            (f"cust-{n:04d}", rng.choice(TIERS)) for n in range(max(4, messages // 400))
        ]
        self.engineers = [f"eng-{n:03d}" for n in range(max(3, messages // 1000))]
        self.message_counter = 0
        self.case_counter = 0

    # -- plumbing

    def next_message_id(self) -> str:
        self.message_counter += 1
        return f"m-{self.message_counter:08d}"

    def add(self, line: _Line) -> None:
        if self.remaining < 1:
            raise _Full
        self.remaining -= 1
        self.written.append(line)

    def seq(self) -> int:
        return len(self.written)

    def run(self) -> None:
        clock = EPOCH
        try:
            while self.remaining > 0:
                clock += timedelta(seconds=self.rng.randint(60, 3600))
                roll = self.rng.random()
                if roll < 0.03:
                    self.unknown_case(clock)
                elif roll < 0.05:
                    self.unreadable(clock)
                else:
                    self.case_counter += 1
                    _CaseScript(self, f"C-{self.case_counter:06d}", clock).run()
        except _Full:
            pass

    def finish(self) -> GeneratedHistory:
        ordered = sorted(self.written, key=lambda line: (line.arrive, line.seq))
        rejections = [
            ExpectedRejection(number, line.message_id, line.case_id, line.at, line.reason)
            for number, line in enumerate(ordered, start=1)
            if line.reason is not None
        ]
        valid = [line.valid_at for line in ordered if line.valid_at is not None]
        expected = ExpectedHistory(
            cases=self.cases,
            rejections=rejections,
            latest_at=max(valid) if valid else None,
            lines=len(ordered),
            duplicates=sum(line.duplicate for line in ordered),
        )
        return GeneratedHistory([line.raw for line in ordered], expected)

    # -- standalone noise

    def unknown_case(self, clock: datetime) -> None:
        """Messages about a case that is never opened."""
        case_id = f"U-{self.case_counter:06d}-{self.rng.randint(0, 999)}"
        for _ in range(self.rng.randint(1, 3)):
            clock += timedelta(minutes=self.rng.randint(1, 90))
            engineer = self.rng.choice(self.engineers)
            message = _message(
                self.next_message_id(), case_id, "case.responded", clock, engineer, "engineer"
            )
            self.add(_valid_line(message, clock, clock, self.seq(), "unknown_case"))

    def unreadable(self, clock: datetime) -> None:
        """A line that is not a JSON object at all, or is over the size limit."""
        roll = self.rng.random()
        if roll < 0.01:
            raw = json.dumps(
                {"message_id": self.next_message_id(), "pad": "x" * MAX_MESSAGE_BYTES}
            ).encode()
        elif roll < 0.5:
            raw = b'{"message_id": "' + self.next_message_id().encode() + b'", "case_id": "C-'
        elif roll < 0.75:
            raw = b'["case.opened", "not an object"]'
        else:
            raw = b"\xff\xfe not utf-8 and not json"
        self.add(_Line(clock, self.seq(), raw + b"\n", reason="invalid_message"))


class _CaseScript:
    """One case from opening to (maybe) closing, on its own clock, noise included."""

    def __init__(self, writer: _Writer, case_id: str, opened_at: datetime) -> None:
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
        message = _message(
            self.w.next_message_id(), self.case_id, type_, stamp, actor[0], actor[1], **fields
        )
        if self.rng.random() < 0.03:
            message["x_upstream_trace"] = f"trace-{self.rng.randint(0, 10**6)}"
        self.w.add(_valid_line(message, stamp, self.t, self.w.seq(), rejection))
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
        self.w.add(_Line(arrive, self.w.seq(), _encode(copy), valid_at=stamp, duplicate=True))

    def send_invalid(self) -> None:
        """A message with a readable identity that breaks the envelope's or its type's schema."""
        message = _message(
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
        line = _Line(
            self.t,
            self.w.seq(),
            _encode(message),
            "invalid_message",
            message["message_id"],
            self.case_id,
            dated,
        )
        self.w.add(line)
        # A rejected message re-sent: a duplicate, not a second rejection.
        if self.rng.random() < 0.1:
            self.w.add(_Line(self.t, self.w.seq(), _encode(message), duplicate=True))

    def tick(self, low: int = 1, high: int = 600) -> None:
        self.t += timedelta(minutes=self.rng.randint(low, high))

    @property
    def customer(self) -> tuple[str, str]:
        return (self.customer_id, "customer")

    @property
    def eng(self) -> tuple[str, str]:
        return (self.engineer, "engineer")

    # -- the story

    def run(self) -> None:
        requested = self.rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4))
        capped = self.rng.random() < 0.2
        technologies = self.rng.sample(OTHER_TECHNOLOGIES, self.rng.randint(0, 3))
        if capped:
            technologies.append(_spell(self.rng, self.rng.choice(CAPPED_TECHNOLOGIES)))
            self.rng.shuffle(technologies)
        customer = {"id": self.customer_id, "tier": self.tier}
        opening: dict[str, Any] = {
            "customer": customer,
            "severity": requested,
            "subject": f"case {self.case_id}",
        }
        if technologies or self.rng.random() < 0.5:
            opening["technologies"] = technologies
        if self.tier == "developer":
            self.send("case.opened", self.customer, "customer_not_eligible", **opening)
            for _ in range(self.rng.randint(0, 2)):
                self.tick(1, 120)
                self.send("case.responded", self.eng, "unknown_case")
            return
        self.send("case.opened", self.customer, None, **opening)
        sla_severity = max(requested, CAP_LEVEL) if capped else requested
        due_at = self.t + timedelta(minutes=TARGET_MINUTES[sla_severity])
        self.case = ExpectedCase(
            self.case_id, self.customer_id, requested, sla_severity, capped, self.t, due_at
        )
        self.w.cases[self.case_id] = self.case
        self.before_first_response()
        self.first_response()
        for _ in range(self.rng.randint(0, 6)):
            if self.status == "closed":
                break
            self.step()
        if self.status != "closed" and self.rng.random() < 0.6:
            self.tick()
            self.close()
        if self.status == "closed":
            for _ in range(self.rng.choice((0, 0, 0, 1, 2))):
                self.tick(1, 300)
                self.send("case.responded", self.eng, "case_closed")

    def before_first_response(self) -> None:
        for _ in range(self.rng.choice((0, 0, 0, 0, 0, 1, 2))):
            self.noise()

    def first_response(self) -> None:
        assert self.case is not None
        target = TARGET_MINUTES[self.case.sla_severity]
        roll = self.rng.random()
        if roll < 0.55:
            at = self.case.opened_at + timedelta(minutes=self.rng.randint(1, target - 1))
        elif roll < 0.75:
            at = self.case.due_at + timedelta(minutes=self.rng.randint(1, 600))
        elif roll < 0.8:
            at = self.case.due_at  # the boundary: met
        else:
            self.never_responded(target)
            return
        self.t = max(self.t, at)
        self.send("case.responded", self.eng, None, body="looking into it")
        self.case.first_response_at = self.t

    def never_responded(self, target: int) -> None:
        assert self.case is not None
        roll = self.rng.random()
        if roll < 0.4:  # closed in time with nothing owed: void (at the deadline included)
            self.t = self.case.opened_at + timedelta(
                minutes=self.rng.choice((self.rng.randint(1, target), target))
            )
            self.close()
        elif roll < 0.6:
            self.t = self.case.due_at + timedelta(minutes=self.rng.randint(1, 600))
            self.close()

    def step(self) -> None:
        roll = self.rng.random()
        if self.case is None or self.case.first_response_at is None:
            self.noise()
        elif roll < 0.3:
            if self.status == "open":
                self.tick()
                self.send("case.responded", self.eng, None)
        elif roll < 0.6:
            if self.status == "open":
                self.propose()
        elif roll < 0.85:
            self.tick()
            if self.status == "open":
                self.send("case.resolved", self.eng, None)
                self.status = "resolved"
            else:
                self.send("case.reopened", self.customer, None)
                self.status = "open"
        else:
            self.noise()

    def propose(self) -> None:
        assert self.case is not None
        current = self.case.severity(datetime.max.replace(tzinfo=UTC))
        lowest = CAP_LEVEL if self.case.capped else 1
        choices = [level for level in range(lowest, 5) if level != current]
        to_severity = self.rng.choice(choices)
        self.tick(1, 240)
        named = self.rng.random() < 0.3
        fields: dict[str, Any] = {"severity": to_severity, "reason": "assessment"}
        if named:
            fields["proposal_id"] = f"p-{self.w.message_counter + 1}-{self.case_id}"
        message = self.send("severity.proposed", self.eng, None, **fields)
        proposal_id = fields.get("proposal_id", message["message_id"])
        if self.pending is not None:
            self.pending.outcome, self.pending.decided_at = "superseded", self.t
            self.last_proposal_ids.append(self.pending.proposal_id)
        self.pending = ExpectedProposal(proposal_id, current, to_severity, self.engineer, self.t)
        self.case.proposals.append(self.pending)
        roll = self.rng.random()
        if roll < 0.7:
            self.decide(agree=roll < 0.45)
        # else: left pending, perhaps superseded by the next proposal

    def decide(self, agree: bool) -> None:
        assert self.case is not None and self.pending is not None
        self.tick(1, 600)
        fields: dict[str, Any] = (
            {"proposal_id": self.pending.proposal_id} if self.rng.random() < 0.5 else {}
        )
        self.send(
            "severity.agreed" if agree else "severity.declined", self.customer, None, **fields
        )
        self.pending.outcome = "agreed" if agree else "declined"
        self.pending.decided_by, self.pending.decided_at = self.customer_id, self.t
        if agree:
            self.case.agreed.append((self.t, self.pending.to_severity))
        self.last_proposal_ids.append(self.pending.proposal_id)
        self.pending = None

    def close(self) -> None:
        assert self.case is not None
        actor = self.rng.choice((self.eng, self.customer, ("system", "system")))
        self.send("case.closed", actor, None)
        self.case.closed_at = self.t
        self.status = "closed"

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


# ---- helpers -----------------------------------------------------------------------------


def _message(
    message_id: str, case_id: str, type_: str, at: datetime, actor_id: str, role: str, **fields: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "case_id": case_id,
        "type": type_,
        "at": _rfc3339(at),
        "actor": {"id": actor_id, "role": role},
    }
    message.update(fields)
    return message


def _valid_line(
    message: dict[str, Any], at: datetime, arrive: datetime, seq: int, reason: str | None
) -> _Line:
    return _Line(
        arrive,
        seq,
        _encode(message),
        reason,
        message["message_id"],
        message["case_id"],
        at,
        valid_at=at,
    )


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode("utf-8") + b"\n"


def _rfc3339(at: datetime) -> str:
    """Mostly `Z`, sometimes another offset: the same instant either way."""
    if at.minute % 7 == 3:
        return at.astimezone(timezone(timedelta(hours=2))).isoformat()
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _z(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None


def _spell(rng: random.Random, technology: str) -> str:
    return "".join(ch.upper() if rng.random() < 0.5 else ch for ch in technology)


def _visible(at: datetime | None, as_of: datetime | None) -> bool:
    return at is None or as_of is None or at <= as_of


def _counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, Any] = {"opened": len(rows), "met": 0, "breached": 0, "pending": 0, "void": 0}
    for row in rows:
        counts[row["status"]] += 1
    judged = counts["met"] + counts["breached"]
    counts["compliance"] = counts["met"] / judged if judged else None
    return counts
