"""One case's story from opening to (maybe) closing, on its own clock: first responses
early, late, at the deadline or never; proposals agreed, declined, superseded or left
pending; resolve, reopen, close; noise in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tooling.histories.case_basics import CaseBasics
from tooling.histories.expected import ExpectedCase, ExpectedProposal
from tooling.histories.shape import (
    CAP_LEVEL,
    CAPPED_TECHNOLOGIES,
    OTHER_TECHNOLOGIES,
    TARGET_MINUTES,
    spell,
)


class CaseScript(CaseBasics):
    """One case from opening to (maybe) closing, on its own clock, noise included."""

    def run(self) -> None:
        requested = self.rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4))
        capped = self.rng.random() < 0.2
        technologies = self.rng.sample(OTHER_TECHNOLOGIES, self.rng.randint(0, 3))
        if capped:
            technologies.append(spell(self.rng, self.rng.choice(CAPPED_TECHNOLOGIES)))
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
