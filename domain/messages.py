"""The intake messages of contract v1, validated exactly as the contract says.

Pydantic in strict mode: a severity of `"2"` or `2.0` is ill-typed, not coerced, and a naive
`at` is invalid. Unknown extra fields are kept (`model_extra`) so the audit history can
forward them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    StringConstraints,
    TypeAdapter,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

MAX_MESSAGE_BYTES = 64 * 1024

RFC_3339 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
"""RFC 3339's `date-time`: seconds required, fraction optional, `Z` or a `+hh:mm` offset; `T`
or a space between date and time (the space its section 5.6 allows for readability)."""

EARLIEST_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_AT = datetime(9000, 1, 1, tzinfo=UTC)
"""`at` is refused outside [EARLIEST_AT, LATEST_AT): nothing on a support desk happened
before the Unix epoch, and a bound far below year 9999 keeps every instant computed from
`at` (due times, warning thresholds: policy targets are at most a year) representable."""


class _InstantText:
    """`at`: an RFC 3339 text with an offset, within the supported range.

    Pydantic's own datetime parsing also takes numbers and numeric strings as Unix times,
    `hh:mm` without seconds and `+hhmm` offsets; the contract says RFC 3339. The text is
    checked against `RFC_3339` first, then parsed and bounded, all inside pydantic-core.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.custom_error_schema(
            core_schema.str_schema(pattern=RFC_3339),
            custom_error_type="datetime_format",
            custom_error_message=(
                "Input should be an RFC 3339 timestamp with an offset, like 2026-09-01T21:47:33Z"
            ),
        )
        instant = core_schema.datetime_schema(
            strict=False, tz_constraint="aware", ge=EARLIEST_AT, lt=LATEST_AT
        )
        return core_schema.chain_schema([text, instant])

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time", "pattern": RFC_3339}


Instant = Annotated[datetime, _InstantText]

NO_NUL = r"^[^\x00]*$"
"""Ids may hold any character but NUL (U+0000): PostgreSQL's text, where the views keep ids,
cannot hold it, so an id with one would be a record no store could take (the contract is
silent; refused `invalid_message`, documented in the README)."""
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]
CaseId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]


def _empty_is_absent(value: object) -> object:
    """Contract 1.1: `proposal_id: ""` means absent."""
    return None if value == "" else value


ProposalId = Annotated[MessageId | None, BeforeValidator(_empty_is_absent)]
"""An optional proposal name; the empty text counts as none given."""
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
    at: Instant
    actor: Actor
    # Set by the desk once the record's signature checked out (contract 1.2); private, so
    # no field of the message itself can set it.
    _signed_by: str | None = PrivateAttr(default=None)

    @property
    def signed_by(self) -> str | None:
        """The declared source that signed the record; None where actors are believed."""
        return self._signed_by

    def sign_as(self, source_name: str) -> None:
        """Record which declared source signed this message (the desk, after checking it)."""
        self._signed_by = source_name

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
    proposal_id: ProposalId = None

    @property
    def effective_proposal_id(self) -> str:
        """The contract's default: a proposal is named by its message when not named otherwise."""
        return self.proposal_id or self.message_id


class SeverityAgreed(Envelope):
    type: Literal["severity.agreed"]
    proposal_id: ProposalId = None


class SeverityDeclined(Envelope):
    type: Literal["severity.declined"]
    proposal_id: ProposalId = None


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
INSTANT_ADAPTER: TypeAdapter[datetime] = TypeAdapter(Instant)
"""An `at` on its own (an invalid message's is kept only if a valid one could have had it)."""

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
