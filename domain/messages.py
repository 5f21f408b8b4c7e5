"""The intake messages of contract v1, validated exactly as the contract says.

Pydantic in strict mode: a severity of `"2"` or `true` is ill-typed, not coerced, and a naive
`at` is invalid. A severity of `2.0` is 2: JSON has one number type, and JSON Schema's
`integer` is any number without a fraction, so the published schema and the parser agree. Unknown extra fields are kept (`model_extra`) so the audit history can
forward them.
"""

from __future__ import annotations

from datetime import datetime
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
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

MAX_MESSAGE_BYTES = 64 * 1024

_YEAR = r"(?:19[7-9][0-9]|[2-8][0-9]{3})"
_LEAP_YEAR = (
    r"(?:19(?:7[26]|8[048]|9[26])"  # 1972 ... 1996
    r"|[2-8][0-9](?:[02468][48]|[13579][26]|[2468]0)"  # a year divisible by 4, not by 100
    r"|(?:[2468][048]|[357][26])00)"  # a century divisible by 400: 2000, 2400 ... 8800
)
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_DATE = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
RFC_3339 = rf"^{_DATE}[Tt ]{_TIME}{_OFFSET}$"
"""An instant as the contract takes it: RFC 3339's `date-time` (seconds required, a fraction
optional, `Z` or a `+hh:mm` offset up to 23:59, `:60` refused), `T` or a space between date
and time (the space its section 5.6 allows), a real calendar date written with a year from
1970 to 8999.

One pattern, used by the parser and written into the published JSON Schema, so a schema
validator and the engine agree on every text (the date-time `format` of JSON Schema takes no
space and is not checked by default, so the schema says it all with this pattern). The year
bound is on the date as written: nothing on a support desk happened before the Unix epoch,
and a bound far below year 9999 keeps every instant computed from `at` (due times, warning
thresholds: policy targets are at most a year) representable."""


class _InstantText:
    """`at`: an RFC 3339 text with an offset, within the supported range.

    Pydantic's own datetime parsing also takes numbers and numeric strings as Unix times,
    `hh:mm` without seconds and `+hhmm` offsets; the contract says RFC 3339. The text is
    checked against `RFC_3339` first, then parsed, both inside pydantic-core.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.custom_error_schema(
            core_schema.str_schema(pattern=RFC_3339),
            custom_error_type="datetime_format",
            custom_error_message=(
                "Input should be an RFC 3339 timestamp with an offset, on a real date "
                "from 1970 to 8999, like 2026-09-01T21:47:33Z"
            ),
        )
        instant = core_schema.datetime_schema(strict=False, tz_constraint="aware")
        return core_schema.chain_schema([text, instant])

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": RFC_3339,
            "description": "RFC 3339 date-time with an offset; `T`, `t` or a space between "
            "date and time; a real date, years 1970-8999 as written",
        }


Instant = Annotated[datetime, _InstantText]

NO_NUL = r"^[^\x00]*$"
"""Ids may hold any character but NUL (U+0000): PostgreSQL's text, where the views keep ids,
cannot hold it, so an id with one would be a record no store could take (the contract is
silent; refused `invalid_message`, documented in the README)."""
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]
CASE_ID_PATTERN = r"^[A-Za-z0-9._:\-]{1,64}$"
CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]


def _empty_is_absent(value: object) -> object:
    """Contract 1.1: `proposal_id: ""` means absent."""
    return None if value == "" else value


ProposalId = Annotated[
    MessageId | None,
    BeforeValidator(_empty_is_absent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 128, "pattern": NO_NUL},
                {"type": "null"},
            ],
            "description": "null or the empty text: none given",
        }
    ),
]
"""An optional proposal name; the empty text counts as none given."""


def _integral_number(value: object) -> object:
    """`2.0` (or `2e0`) is the integer 2, as in JSON Schema; `2.5` stays a float, refused."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


Severity = Annotated[int, Field(ge=1, le=4), BeforeValidator(_integral_number)]
"""A level from 1 to 4, written as a JSON number without a fraction."""
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


class CustomerReplied(Envelope):
    """SLA v2: the customer wrote on the case (starts a next-response cycle)."""

    type: Literal["case.customer_replied"]
    body: str | None = None


class AwaitingCustomer(Envelope):
    """SLA v2: the desk waits on the customer (the resolution clock pauses)."""

    type: Literal["case.awaiting_customer"]
    reason: str | None = None


IntakeMessage = Annotated[
    CaseOpened
    | CaseResponded
    | SeverityProposed
    | SeverityAgreed
    | SeverityDeclined
    | CaseResolved
    | CaseReopened
    | CaseClosed
    | CustomerReplied
    | AwaitingCustomer,
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
    "case.customer_replied",
    "case.awaiting_customer",
)
