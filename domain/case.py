"""The Case aggregate: decides on each intake message and records what happened as events.

State changes only by applying events; every decision is a pure check (`domain.rules`) of
the case state, the message and the policy. Time comes from the messages: each event's
`timestamp` is the upstream `at`, never the clock of the machine that recorded it.
"""

from __future__ import annotations

from dataclasses import KW_ONLY
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from domain import rules
from domain.case_state import CaseStatus, PendingProposal
from domain.chain import GENESIS_HASH
from domain.messages import AwaitingCustomer as AwaitingMessage
from domain.messages import (
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CaseResponded,
    Envelope,
)
from domain.messages import CustomerReplied as CustomerRepliedMessage
from domain.messages import SeverityAgreed as AgreedMessage
from domain.messages import SeverityDeclined as DeclinedMessage
from domain.messages import SeverityProposed as ProposedMessage
from domain.opening import opened_fields
from domain.policy import Policy
from domain.reasons import Rejection
from domain.sealed_aggregate import SealedAggregate
from domain.sealing import built_event, initialised_aggregate, sealed_event
from domain.severity_changes import SeverityChanges
from domain.transitions import Transitions


class Case(SeverityChanges, Transitions, SealedAggregate):
    """One support case, from opening to closing."""

    TOPIC = "casebook:Case"

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str]  # each event class names its own (the topic it is stored under)

        case_id: str
        message_id: str
        actor_id: str
        actor_role: str
        extra: dict[str, Any]
        previous_hash: str
        hash: str
        # Defaults for events stored before them: `source` (1.2) signed the record (None:
        # actors believed, none published); `wire_version`: the form its hash covers.
        _: KW_ONLY
        source: str | None = None
        wire_version: int = 1

        def mutate(self, aggregate: Any) -> Any:
            case = super().mutate(aggregate)
            assert case is not None  # a case event never discards its aggregate
            case.chain_head = self.hash
            return case

    class Opened(Event, Aggregate.Created):
        """Version 2 added `response_clock` (v1 targets all ran on the calendar clock);
        version 3 the case's calendar pinned and its warnings' business-time thresholds
        (SLA v2; None under a policy without calendars)."""

        TOPIC = "casebook:Case.Opened"
        class_version = 3
        V3_FIELDS: ClassVar[dict[str, Any]] = dict.fromkeys(
            (
                "calendar_id",
                "calendar_hash",
                "tzdata_version",
                "half_time_at",
                "three_quarter_time_at",
            )
        )
        OMIT_WHEN_DEFAULT: ClassVar[dict[str, Any]] = {"response_clock": "calendar", **V3_FIELDS}
        customer_id: str
        tier: str
        requested_severity: int
        severity: int
        cap_level: int | None
        cap_reason: str | None
        technologies: list[str]
        subject: str | None
        business_impact: str | None
        policy_id: str
        policy_version: str
        policy_hash: str
        first_response_minutes: int
        due_at: datetime
        response_clock: str
        calendar_id: str | None
        calendar_hash: str | None
        tzdata_version: str | None
        half_time_at: datetime | None  # the warnings' thresholds in business time (else
        three_quarter_time_at: datetime | None  # None: a share of the span to `due_at`)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Events stored by v1 code: their targets ran on the calendar clock."""
            state["response_clock"] = "calendar"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.update(Case.Opened.V3_FIELDS)  # recorded before calendars: none pinned

        def mutate(self, aggregate: Any) -> Any:
            assert aggregate is None
            case = initialised_aggregate(self)  # a Case's `__init__` takes no event field
            case.chain_head = self.hash
            return case

        def apply(self, case: Case) -> None:
            case.case_id = self.case_id
            case.customer_id = self.customer_id
            case.opened_at = self.timestamp
            case.requested_severity = self.requested_severity
            case.sla_severity = self.severity
            case.severity = self.severity
            case.cap_level = self.cap_level
            case.due_at = self.due_at

    Created = Opened  # eventsourcing's name for the first event; ours says what it means

    class FirstResponse(Event):
        TOPIC = "casebook:Case.FirstResponse"
        body: str | None

        def apply(self, case: Case) -> None:
            case.first_response_at = self.timestamp

    class Responded(Event):
        TOPIC = "casebook:Case.Responded"
        body: str | None

        def apply(self, case: Case) -> None:
            pass

    class SeverityProposalSuperseded(Event):
        """The pending proposal was replaced by a newer one before the customer answered."""

        TOPIC = "casebook:Case.SeverityProposalSuperseded"
        proposal_id: str
        superseded_by: str

        def apply(self, case: Case) -> None:
            case.pending_proposal = None

    class SeverityProposed(Event):
        TOPIC = "casebook:Case.SeverityProposed"
        proposal_id: str
        from_severity: int
        to_severity: int
        reason: str

        def apply(self, case: Case) -> None:
            case.pending_proposal = PendingProposal(
                self.proposal_id,
                self.from_severity,
                self.to_severity,
                self.actor_id,
                self.timestamp,
            )

    class SeverityAgreed(Event):
        TOPIC = "casebook:Case.SeverityAgreed"
        proposal_id: str
        from_severity: int
        to_severity: int

        def apply(self, case: Case) -> None:
            case.severity = self.to_severity
            case.pending_proposal = None
            case.awaiting_customer = False

    class SeverityDeclined(Event):
        TOPIC = "casebook:Case.SeverityDeclined"
        proposal_id: str
        severity: int

        def apply(self, case: Case) -> None:
            case.pending_proposal = None
            case.awaiting_customer = False

    class Resolved(Event):
        TOPIC = "casebook:Case.Resolved"

        def apply(self, case: Case) -> None:
            case.status = "resolved"
            case.awaiting_customer = False

    class Reopened(Event):
        TOPIC = "casebook:Case.Reopened"

        def apply(self, case: Case) -> None:
            case.status = "open"

    class Closed(Event):
        TOPIC = "casebook:Case.Closed"

        def apply(self, case: Case) -> None:
            case.status = "closed"
            case.awaiting_customer = False

    class CustomerReplied(Event):
        """SLA v2: the customer wrote; it ends a wait on them."""

        TOPIC = "casebook:Case.CustomerReplied"
        body: str | None

        def apply(self, case: Case) -> None:
            case.awaiting_customer = False

    class AwaitingCustomer(Event):
        """SLA v2: the desk waits on the customer until their next message or the end."""

        TOPIC = "casebook:Case.AwaitingCustomer"
        reason: str | None

        def apply(self, case: Case) -> None:
            case.awaiting_customer = True

    def __init__(self) -> None:
        self.case_id = ""
        self.customer_id = ""
        self.opened_at: datetime
        self.requested_severity = 0
        self.sla_severity = 0
        self.severity = 0
        self.cap_level: int | None = None
        self.due_at: datetime
        self.first_response_at: datetime | None = None
        self.status: CaseStatus = "open"
        self.pending_proposal: PendingProposal | None = None
        self.awaiting_customer = False
        self.chain_head = GENESIS_HASH

    @classmethod
    def open(cls, message: CaseOpened, policy: Policy, *, sealed: bool = True) -> Case | Rejection:
        """Open a case, applying the policy's eligibility and severity cap.

        A case opened `sealed=False` decides exactly as a sealed one but hashes nothing: its
        chain head stays `UNSEALED`, and so do the hashes of all its events (the head is what
        says so, stored with the case wherever it goes). Only for events that are never
        stored or published: an offline replay's report shows no hash.
        """
        rejection = rules.check_opening(message, policy)
        if rejection is not None:
            return rejection
        fields = opened_fields(
            message, policy, topic=cls.TOPIC, version=cls.INITIAL_VERSION, sealed=sealed
        )
        opened = (sealed_event if sealed else built_event)(cls.Opened, fields)
        case: Case = opened.mutate(None)
        case.pending_events.append(opened)
        return case

    def handle(self, message: Envelope) -> Rejection | None:
        """Decide on one message for this case: record its events, or say why not."""
        rejection = rules.check_message_on_case(self, message)
        if rejection is not None:
            return rejection
        match message:
            case CaseResponded():
                event_class = (
                    self.FirstResponse if self.first_response_at is None else self.Responded
                )
                self._record(event_class, message, body=message.body)
            case ProposedMessage():
                return self._propose(message)
            case AgreedMessage() | DeclinedMessage():
                return self._decide(message)
            case CaseResolved():
                return self._resolve(message)
            case CaseReopened():
                return self._reopen(message)
            case CaseClosed():
                self._record(self.Closed, message)
            case CustomerRepliedMessage():
                self._record(self.CustomerReplied, message, body=message.body)
            case AwaitingMessage():
                return self._await_customer(message)
        return None


CaseEvent = Case.Event
