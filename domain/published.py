"""Pydantic models of the published event form (`casebook.events`, schemas v1 and v2).

They document the topic for consumers outside Casebook and generate its JSON Schema
(`schemas/`); tests hold every published event to them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenedData(_Data):
    customer_id: str
    tier: str
    requested_severity: int = Field(ge=1, le=4)
    severity: int = Field(ge=1, le=4, description="effective severity after the cap")
    cap_level: int | None = Field(description="most severe level allowed, if capped")
    cap_reason: str | None = Field(description="why the requested severity was lowered")
    technologies: list[str]
    subject: str | None
    business_impact: str | None
    policy_id: str
    policy_version: str
    policy_hash: str
    first_response_minutes: int
    due_at: AwareDatetime
    response_clock: str = Field(
        default="calendar",
        description="the clock the first response runs on: `calendar` (24/7, omitted) or"
        " `business` (the case's calendar, SLA v2)",
    )
    calendar_id: str | None = Field(
        default=None, description="SLA v2: the case's calendar (omitted under a v1 policy)"
    )
    calendar_hash: str | None = Field(
        default=None, description="SHA-256 of the calendar's canonical JSON as written"
    )
    tzdata_version: str | None = Field(
        default=None, description="the IANA tz database release the verdicts use"
    )
    half_time_at: AwareDatetime | None = Field(
        default=None, description="SLA v2, business clock: when half the target has passed"
    )
    three_quarter_time_at: AwareDatetime | None = Field(
        default=None, description="SLA v2, business clock: when three quarters have passed"
    )


class ResponseData(_Data):
    body: str | None


class ProposalData(_Data):
    proposal_id: str
    from_severity: int
    to_severity: int
    reason: str


class SupersededData(_Data):
    proposal_id: str
    superseded_by: str


class AgreedData(_Data):
    proposal_id: str
    from_severity: int
    to_severity: int


class DeclinedData(_Data):
    proposal_id: str
    severity: int


class NoData(_Data):
    pass


class ReplyData(_Data):
    body: str | None


class AwaitingData(_Data):
    reason: str | None


DATA_MODELS: dict[str, type[_Data]] = {
    "Opened": OpenedData,
    "FirstResponse": ResponseData,
    "Responded": ResponseData,
    "SeverityProposed": ProposalData,
    "SeverityProposalSuperseded": SupersededData,
    "SeverityAgreed": AgreedData,
    "SeverityDeclined": DeclinedData,
    "Resolved": NoData,
    "Reopened": NoData,
    "Closed": NoData,
    "CustomerReplied": ReplyData,
    "AwaitingCustomer": AwaitingData,
}


class PublishedActor(BaseModel):
    id: str
    role: Literal["customer", "engineer", "system"]


class PublishedEvent(BaseModel):
    """One record value on `casebook.events`; the key is the case id (UTF-8)."""

    model_config = ConfigDict(extra="forbid", title="casebook.events v1")

    schema_: Literal["casebook.event/v1", "casebook.event/v2"] = Field(
        alias="schema",
        description="v2: instants as 2026-09-01T21:47:33.000000Z; v1 (events recorded before"
        " it, which keep the text their hash covers): 2026-09-01T21:47:33.000000+00:00",
    )
    event_id: str = Field(description="uuid5(aggregate_id, version): the same on every re-publish")
    type: Literal[
        "Opened",
        "FirstResponse",
        "Responded",
        "SeverityProposed",
        "SeverityProposalSuperseded",
        "SeverityAgreed",
        "SeverityDeclined",
        "Resolved",
        "Reopened",
        "Closed",
        "CustomerReplied",
        "AwaitingCustomer",
    ]
    case_id: str
    aggregate_id: str
    version: int = Field(ge=1, description="position of the event in its case, from 1")
    at: AwareDatetime = Field(description="the upstream `at` of the message that caused it, UTC")
    message_id: str = Field(description="the upstream message that caused it")
    actor: PublishedActor
    source: str | None = Field(
        default=None,
        description="the declared source that signed the causing record (contract 1.2);"
        " absent where actors are believed",
    )
    data: dict[str, Any] = Field(
        description="fields of the event's type (its model: allOf, by `type`)"
    )
    extra: dict[str, Any] = Field(description="upstream fields the contract does not name")
    previous_hash: Hash = Field(description="hash of the case's previous event; 64 zeros first")
    hash: Hash = Field(description="SHA-256 of the canonical JSON of this object without `hash`")

    def typed_data(self) -> _Data:
        return DATA_MODELS[self.type].model_validate(self.data)
