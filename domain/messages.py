"""The intake messages of contract v1, validated exactly as the contract says.

Pydantic in strict mode: a severity of `"2"` or `2.0` is ill-typed, not coerced, and a naive
`at` is invalid. Unknown extra fields are kept (`model_extra`) so the audit history can
forward them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

MAX_MESSAGE_BYTES = 64 * 1024

MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
CaseId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Severity = Annotated[int, Field(ge=1, le=4)]
Role = Literal["customer", "engineer", "system"]
Tier = Literal["hosting_provider", "enterprise", "developer"]


class Actor(BaseModel):
    """Who did it. For a customer, `id` is the customer account id."""

    model_config = ConfigDict(strict=True, frozen=True, extra="allow")

    id: AccountId
    role: Role


class Customer(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="allow")

    id: AccountId
    tier: Tier


class Envelope(BaseModel):
    """The fields every message carries."""

    model_config = ConfigDict(strict=True, frozen=True, extra="allow")

    message_id: MessageId
    case_id: CaseId
    at: AwareDatetime
    actor: Actor

    @property
    def extra_fields(self) -> dict[str, object]:
        """Fields the contract does not name, forwarded untouched into the audit history."""
        return dict(self.model_extra or {})


class CaseOpened(Envelope):
    type: Literal["case.opened"]
    customer: Customer
    severity: Severity
    technologies: list[str] = Field(default_factory=list)
    subject: str | None = None
    business_impact: str | None = None


class CaseResponded(Envelope):
    type: Literal["case.responded"]
    body: str | None = None


class SeverityProposed(Envelope):
    type: Literal["severity.proposed"]
    severity: Severity
    reason: str
    proposal_id: MessageId | None = None

    @property
    def effective_proposal_id(self) -> str:
        """The contract's default: a proposal is named by its message when not named otherwise."""
        return self.proposal_id or self.message_id


class SeverityAgreed(Envelope):
    type: Literal["severity.agreed"]
    proposal_id: MessageId | None = None


class SeverityDeclined(Envelope):
    type: Literal["severity.declined"]
    proposal_id: MessageId | None = None


class CaseResolved(Envelope):
    type: Literal["case.resolved"]


class CaseReopened(Envelope):
    type: Literal["case.reopened"]


class CaseClosed(Envelope):
    type: Literal["case.closed"]


IntakeMessage = Annotated[
    CaseOpened
    | CaseResponded
    | SeverityProposed
    | SeverityAgreed
    | SeverityDeclined
    | CaseResolved
    | CaseReopened
    | CaseClosed,
    Field(discriminator="type"),
]

INTAKE_MESSAGE_ADAPTER: TypeAdapter[IntakeMessage] = TypeAdapter(IntakeMessage)

MESSAGE_TYPES: tuple[str, ...] = (
    "case.opened",
    "case.responded",
    "severity.proposed",
    "severity.agreed",
    "severity.declined",
    "case.resolved",
    "case.reopened",
    "case.closed",
)
