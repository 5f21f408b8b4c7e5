"""What each API route answers, as pydantic models: the OpenAPI document a generated client
reads is exactly what the routes send (schemathesis checks every answer against it).

The report functions (`casebook.web.reports`) build the contract's dictionaries; these models
describe them field by field. `extra="forbid"`: a field a report gains without its model
is a failed answer in the tests, never an undocumented one in production.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Instant = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="An RFC 3339 instant in UTC, to the second (`2026-09-01T21:47:33Z`).",
    ),
]
Status = Literal["met", "breached", "pending", "void"]
Role = Literal["analyst", "auditor", "admin"]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Problem(Answer):
    """Every 4xx answer: what was wrong with the request, in words."""

    detail: str = Field(description="What was wrong, naming the parameter when one was.")


class Health(Answer):
    status: Literal["ok"]


class WhoAmI(Answer):
    role: Role


class Tally(Answer):
    opened: int
    met: int
    breached: int
    pending: int
    void: int
    compliance: float | None = Field(description="met / (met + breached); null with neither.")


class SlaCase(Answer):
    case_id: str
    customer_id: str
    sla_severity: int
    requested_severity: int
    current_severity: int
    opened_at: Instant
    due_at: Instant | None = Field(
        description="null: never (a business-hours target that falls after year 9000)"
    )
    first_response_at: Instant | None
    status: Status


class Page(Answer):
    limit: int
    next: str | None = Field(description="Pass as `after` for the next page; null: the last.")


class SlaReport(Answer):
    as_of: Instant
    cases: list[SlaCase]
    by_severity: dict[str, Tally]
    total: Tally
    page: Page
    metrics: Metrics | None = Field(
        default=None,
        description="SLA v2, when the policy has targets: the page's cases, counts over all",
    )


class TimelinePoint(Answer):
    as_of: Instant
    total: Tally
    by_severity: dict[str, float | None]


class SlaTimeline(Answer):
    end: Instant
    days: int
    points: list[TimelinePoint]


class RejectedEntry(Answer):
    """A rejection: by message id and case when the message could be read, else by where it
    was read from (`source`: topic|partition|offset)."""

    message_id: str | None = None
    case_id: str | None = None
    source: str | None = None
    reason: str
    detail: str
    at: Instant | None


class RejectedPage(Answer):
    count: int
    rejected: list[RejectedEntry]
    page: Page


class Actor(Answer):
    id: str
    role: str


class AuditEvent(Answer):
    version: int
    type: str
    at: Instant
    actor: Actor
    message_id: str
    data: dict[str, Any]
    extra: dict[str, Any]
    source: str | None = Field(default=None, description="The declared source that signed it.")


class SeverityChange(Answer):
    proposal_id: str
    from_severity: int = Field(alias="from")
    to_severity: int = Field(alias="to")
    proposed_by: str
    proposed_at: Instant
    outcome: str
    decided_by: str | None
    decided_at: Instant | None
    superseded_by: str | None = None


class Verification(Answer):
    events: int
    chain: Literal["intact", "broken"]
    chain_break: dict[str, Any] | None
    severity_changes: Literal["valid", "invalid"]
    severity_problems: list[str]
    verdict: Literal["ok", "failed", "missing"]


class CaseAudit(Answer):
    case_id: str
    as_of: Instant | None
    customer_id: str
    severity_changes: list[SeverityChange]
    events: list[AuditEvent]
    sla: SlaCase | None
    verification: Verification


# SLA v2: the `metrics` section --------------------------------------------------


class Cycle(Answer):
    """One customer message waiting for a reply."""

    started_at: Instant
    due_at: Instant | None = Field(description="null: never (past year 9000)")
    ended_at: Instant | None
    status: Literal["met", "breached", "pending", "void"]
    ended_by: Literal["response", "resolution", "closure"] | None
    severity: int = Field(description="the severity whose target it ran on")
    target_minutes: int


class NextResponseCase(Answer):
    case_id: str
    cycles: list[Cycle]
    status: Literal["met", "breached", "pending", "void", "none"]


class CycleTally(Answer):
    met: int
    breached: int
    pending: int
    void: int
    compliance: float | None


class NextResponse(Answer):
    cases: list[NextResponseCase]
    by_severity: dict[str, CycleTally] = Field(description="cycles, by current severity")
    total: CycleTally


class ResolutionCase(Answer):
    case_id: str
    due_at: Instant | None = Field(description="reached, projected, or null while paused")
    resolved_at: Instant | None
    business_minutes: float
    paused_minutes: float
    status: Literal["met", "breached", "pending", "paused", "void", "none"]
    ended_by: Literal["resolution", "closure"] | None
    severity: int
    target_minutes: int | None


class ResolutionTally(Answer):
    met: int
    breached: int
    pending: int
    paused: int
    void: int
    compliance: float | None


class Resolution(Answer):
    cases: list[ResolutionCase]
    by_severity: dict[str, ResolutionTally]
    total: ResolutionTally


class Metrics(Answer):
    """Present when the policy has targets; a metric no severity measures is absent."""

    next_response: NextResponse | None = None
    resolution: Resolution | None = None


SlaReport.model_rebuild()  # it names `Metrics`, defined after it
