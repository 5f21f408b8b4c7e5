"""The intake messages of contract v1, validated exactly as the contract says.

Pydantic in strict mode: a severity of `"2"` or `true` is ill-typed, not coerced, and a naive
`at` is invalid. A severity of `2.0` is 2: JSON has one number type, and JSON Schema's
`integer` is any number without a fraction, so the published schema and the parser agree. Unknown extra fields are kept (`model_extra`) so the audit history can
forward them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

from domain.instant_text import Instant

MAX_MESSAGE_BYTES = 64 * 1024


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
    # Set by the desk once the record's signature checked out (contract 1.2): a slot no field
    # can set (a pydantic private attribute cost a fifth of parsing a message).
    __slots__ = ("_signer",)

    @property
    def signed_by(self) -> str | None:
        """The declared source that signed the record; None where actors are believed."""
        try:  # the slot itself: `getattr` would fall back to the message's extra fields
            return _SIGNER_SLOT.__get__(self, Envelope)  # type: ignore[no-any-return]
        except AttributeError:
            return None

    def sign_as(self, source_name: str) -> None:
        """Record which declared source signed this message (the desk, after checking it)."""
        object.__setattr__(self, "_signer", source_name)

    # Pydantic copies and pickles its own state only: the signer goes with it.
    def __copy__(self) -> Self:
        return self._signed_like(super().__copy__())

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        return self._signed_like(super().__deepcopy__(memo))

    def __getstate__(self) -> dict[Any, Any]:
        return {**super().__getstate__(), "signed_by": self.signed_by}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        signer = state.pop("signed_by", None)
        super().__setstate__(state)
        if signer is not None:
            self.sign_as(signer)

    def _signed_like(self, copied: Self) -> Self:
        if (signer := self.signed_by) is not None:
            copied.sign_as(signer)
        return copied

    @property
    def extra_fields(self) -> dict[str, object]:
        """Fields the contract does not name, forwarded untouched into the audit history."""
        return dict(self.model_extra or {})


_SIGNER_SLOT: Any = Envelope.__dict__["_signer"]


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
