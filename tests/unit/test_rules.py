"""Every rule and reason code of the contract, through the intake desk on in-memory adapters.

A rejected message must have no effect on any case: each test checks the case's version too.
"""

from __future__ import annotations

import pytest

from domain.desk import Accepted, Duplicate, Rejected
from domain.reasons import ReasonCode

from .support import (
    CUSTOMER,
    ENGINEER,
    Desk,
    Message,
    agreed,
    closed,
    declined,
    line,
    message,
    opened,
    proposed,
    reopened,
    resolved,
    responded,
)


def rejected(desk: Desk, document: Message, reason: ReasonCode, case_id: str = "C-1") -> Rejected:
    """Assert `document` is rejected for `reason` and changed nothing on its case."""
    before = desk.cases.find(case_id)
    version = before.version if before is not None else None
    outcome = desk.take(document)
    assert isinstance(outcome, Rejected), outcome
    assert outcome.rejection.reason is reason, outcome.rejection
    assert outcome.message_id == document["message_id"]
    after = desk.cases.find(case_id)
    assert (after.version if after is not None else None) == version
    assert after is None or after.collect_events() == []
    return outcome


def accepted(desk: Desk, *documents: Message) -> None:
    for document in documents:
        outcome = desk.take(document)
        assert isinstance(outcome, Accepted), (document, outcome)


def open_desk(*documents: Message, **opening: object) -> Desk:
    desk = Desk()
    accepted(desk, opened(**opening), *documents)  # type: ignore[arg-type]
    for case in desk.cases.cases.values():
        case.collect_events()
    return desk


ON_A_CASE = {
    "case.responded": lambda: responded(5),
    "severity.proposed": lambda: proposed(5, 3),
    "severity.agreed": lambda: agreed(5),
    "severity.declined": lambda: declined(5),
    "case.resolved": lambda: resolved(5),
    "case.reopened": lambda: reopened(5),
    "case.closed": lambda: closed(5),
}


# ---- invalid_message ---------------------------------------------------------------------


def test_an_invalid_message_is_rejected_and_changes_no_case() -> None:
    desk = open_desk()
    document = responded(5)
    document["at"] = "2026-09-01T12:05:00"
    rejected(desk, document, ReasonCode.INVALID_MESSAGE)
    assert desk.case().first_response_at is None


def test_unreadable_bytes_are_rejected_without_an_identity() -> None:
    outcome = Desk().take(b"{not json")
    assert isinstance(outcome, Rejected) and outcome.message_id is None
    assert outcome.rejection.reason is ReasonCode.INVALID_MESSAGE


# ---- unknown_case ------------------------------------------------------------------------


@pytest.mark.parametrize("type_", sorted(ON_A_CASE))
def test_any_type_but_opening_on_a_case_never_opened_is_unknown_case(type_: str) -> None:
    desk = open_desk()
    document = ON_A_CASE[type_]()
    document["case_id"] = "C-2"
    rejected(desk, document, ReasonCode.UNKNOWN_CASE, case_id="C-2")
    assert desk.cases.find("C-2") is None


# ---- case_exists -------------------------------------------------------------------------


def test_opening_an_open_case_again_with_another_message_id_is_case_exists() -> None:
    desk = open_desk()
    rejected(desk, opened(10, severity=1), ReasonCode.CASE_EXISTS)
    assert desk.case().severity == 2


def test_opening_again_with_the_same_message_id_is_a_duplicate_not_case_exists() -> None:
    desk = Desk()
    first = opened()
    accepted(desk, first)
    assert isinstance(desk.take(first), Duplicate)


# ---- customer_not_eligible ---------------------------------------------------------------


def test_a_developer_may_not_open_a_case() -> None:
    desk = Desk()
    rejected(desk, opened(tier="developer"), ReasonCode.CUSTOMER_NOT_ELIGIBLE)
    assert desk.cases.find("C-1") is None
    rejected(desk, responded(5), ReasonCode.UNKNOWN_CASE)


@pytest.mark.parametrize("tier", ["hosting_provider", "enterprise"])
def test_hosting_providers_and_enterprises_may_open_cases(tier: str) -> None:
    desk = Desk()
    accepted(desk, opened(tier=tier))
    assert desk.case().customer_id == CUSTOMER


def test_a_case_refused_to_a_developer_may_later_be_opened_by_an_eligible_customer() -> None:
    desk = Desk()
    rejected(desk, opened(tier="developer"), ReasonCode.CUSTOMER_NOT_ELIGIBLE)
    accepted(desk, opened(1, customer="hoster", tier="hosting_provider"))
    assert desk.case().customer_id == "hoster"


# ---- actor_not_allowed -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["engineer", "system"])
def test_only_a_customer_may_open_a_case(role: str) -> None:
    document = opened()
    document["actor"] = {"id": CUSTOMER, "role": role}
    rejected(Desk(), document, ReasonCode.ACTOR_NOT_ALLOWED)


def test_the_opening_actor_must_be_the_customer_of_the_case() -> None:
    document = opened()
    document["actor"] = {"id": "someone-else", "role": "customer"}
    rejected(Desk(), document, ReasonCode.ACTOR_NOT_ALLOWED)


NOT_ALLOWED = [
    ("case.responded", "customer"),
    ("case.responded", "system"),
    ("severity.proposed", "customer"),
    ("severity.proposed", "system"),
    ("severity.agreed", "engineer"),
    ("severity.agreed", "system"),
    ("severity.declined", "engineer"),
    ("severity.declined", "system"),
    ("case.resolved", "customer"),
    ("case.resolved", "system"),
    ("case.reopened", "engineer"),
    ("case.reopened", "system"),
]


@pytest.mark.parametrize(("type_", "role"), NOT_ALLOWED)
def test_a_role_not_allowed_for_the_type_is_refused(type_: str, role: str) -> None:
    desk = open_desk(responded(1), proposed(2, 3), resolved(3))  # every type has its precondition
    document = ON_A_CASE[type_]()
    document["actor"] = {"id": CUSTOMER if role == "customer" else "x-1", "role": role}
    rejected(desk, document, ReasonCode.ACTOR_NOT_ALLOWED)


@pytest.mark.parametrize(
    "actor", [(CUSTOMER, "customer"), (ENGINEER, "engineer"), ("ops", "system")]
)
def test_any_role_may_close_a_case(actor: tuple[str, str]) -> None:
    desk = open_desk()
    accepted(desk, closed(5, actor=actor))
    assert desk.case().status == "closed"


@pytest.mark.parametrize(
    "document",
    [
        lambda: agreed(5, customer="globex"),
        lambda: declined(5, customer="globex"),
        lambda: reopened(5, customer="globex"),
        lambda: closed(5, actor=("globex", "customer")),
    ],
    ids=["agreed", "declined", "reopened", "closed"],
)
def test_a_customer_may_not_act_on_a_case_that_is_not_theirs(document) -> None:  # type: ignore[no-untyped-def]
    desk = open_desk(responded(1), proposed(2, 3), resolved(3))
    rejected(desk, document(), ReasonCode.ACTOR_NOT_ALLOWED)
    case = desk.case()
    assert case.severity == 2 and case.status == "resolved" and case.pending_proposal is not None


# ---- before_open -------------------------------------------------------------------------


def test_a_message_dated_before_the_opening_is_before_open() -> None:
    desk = open_desk()
    rejected(desk, responded(-1 / 60), ReasonCode.BEFORE_OPEN)
    assert desk.case().first_response_at is None


def test_a_message_dated_exactly_at_the_opening_is_accepted() -> None:
    desk = open_desk()
    accepted(desk, responded(0))


# ---- out_of_order (contract 1.1) --------------------------------------------------------


def test_a_message_dated_before_the_cases_latest_accepted_one_is_out_of_order() -> None:
    desk = open_desk(responded(30))
    outcome = rejected(desk, resolved(29), ReasonCode.OUT_OF_ORDER)
    assert "2026-09-01T12:30:00Z" in outcome.rejection.detail
    accepted(desk, resolved(30))  # equal instants are in order


def test_a_rejected_message_does_not_move_the_cases_clock() -> None:
    desk = open_desk(responded(30))
    rejected(desk, reopened(40), ReasonCode.INVALID_TRANSITION)
    accepted(desk, resolved(35))


def test_before_open_wins_over_out_of_order() -> None:
    desk = open_desk(responded(30))
    rejected(desk, resolved(-5), ReasonCode.BEFORE_OPEN)


def test_case_closed_before_case_exists_before_out_of_order() -> None:
    desk = open_desk(responded(30))
    rejected(desk, opened(10), ReasonCode.CASE_EXISTS)
    accepted(desk, closed(40))
    desk.case().collect_events()
    rejected(desk, opened(10), ReasonCode.CASE_CLOSED)
    rejected(desk, responded(10), ReasonCode.CASE_CLOSED)


def test_out_of_order_is_judged_before_the_types_own_rules() -> None:
    desk = open_desk(responded(30))
    rejected(desk, proposed(20, 2), ReasonCode.OUT_OF_ORDER)  # also severity_unchanged


# ---- no_initial_contact, severity_unchanged, severity_above_cap --------------------------


def test_a_proposal_before_the_first_response_is_no_initial_contact() -> None:
    desk = open_desk()
    rejected(desk, proposed(5, 3), ReasonCode.NO_INITIAL_CONTACT)
    assert desk.case().pending_proposal is None


def test_a_proposal_equal_to_the_current_severity_is_severity_unchanged() -> None:
    desk = open_desk(responded(1))
    rejected(desk, proposed(5, 2), ReasonCode.SEVERITY_UNCHANGED)


def test_unchanged_is_judged_against_the_agreed_severity_not_the_opening_one() -> None:
    desk = open_desk(responded(1), proposed(2, 3), agreed(3))
    rejected(desk, proposed(5, 3), ReasonCode.SEVERITY_UNCHANGED)
    accepted(desk, proposed(6, 2))


def test_a_proposal_above_the_cap_is_severity_above_cap() -> None:
    desk = open_desk(responded(1), severity=3, technologies=["MSSQL"])
    rejected(desk, proposed(5, 1), ReasonCode.SEVERITY_ABOVE_CAP)
    accepted(desk, proposed(6, 2))


def test_without_a_cap_severity_1_may_be_proposed() -> None:
    desk = open_desk(responded(1), severity=3, technologies=["java", "mysql"])
    accepted(desk, proposed(5, 1), agreed(6))
    assert desk.case().severity == 1


# ---- no_pending_proposal -----------------------------------------------------------------


@pytest.mark.parametrize("decision", [agreed, declined])
def test_a_decision_with_nothing_pending_is_no_pending_proposal(decision) -> None:  # type: ignore[no-untyped-def]
    desk = open_desk(responded(1))
    rejected(desk, decision(5), ReasonCode.NO_PENDING_PROPOSAL)


@pytest.mark.parametrize("decision", [agreed, declined])
def test_a_decision_naming_another_proposal_is_no_pending_proposal(decision) -> None:  # type: ignore[no-untyped-def]
    desk = open_desk(responded(1), proposed(2, 3, proposal_id="p-1"))
    rejected(desk, decision(5, proposal_id="p-other"), ReasonCode.NO_PENDING_PROPOSAL)
    assert desk.case().pending_proposal is not None
    assert desk.case().severity == 2


def test_a_superseded_proposal_can_no_longer_be_agreed() -> None:
    desk = open_desk(
        responded(1), proposed(2, 3, proposal_id="p-1"), proposed(3, 4, proposal_id="p-2")
    )
    rejected(desk, agreed(5, proposal_id="p-1"), ReasonCode.NO_PENDING_PROPOSAL)
    accepted(desk, agreed(6, proposal_id="p-2"))
    assert desk.case().severity == 4


def test_a_decided_proposal_cannot_be_decided_again() -> None:
    desk = open_desk(responded(1), proposed(2, 3, proposal_id="p-1"), declined(3))
    rejected(desk, agreed(5, proposal_id="p-1"), ReasonCode.NO_PENDING_PROPOSAL)
    assert desk.case().severity == 2


def test_an_agreement_without_a_proposal_id_answers_the_pending_proposal() -> None:
    desk = open_desk(responded(1), proposed(2, 4, message_id="m-prop"))
    accepted(desk, agreed(3))
    assert desk.case().severity == 4


def test_the_default_proposal_id_is_the_proposing_message_id() -> None:
    desk = open_desk(responded(1), proposed(2, 4, message_id="m-prop"))
    accepted(desk, agreed(3, proposal_id="m-prop"))
    assert desk.case().severity == 4


# ---- invalid_transition ------------------------------------------------------------------


def test_resolving_a_resolved_case_is_an_invalid_transition() -> None:
    desk = open_desk(responded(1), resolved(2))
    rejected(desk, resolved(5), ReasonCode.INVALID_TRANSITION)


def test_reopening_a_case_that_is_not_resolved_is_an_invalid_transition() -> None:
    desk = open_desk(responded(1))
    rejected(desk, reopened(5), ReasonCode.INVALID_TRANSITION)


def test_resolve_reopen_resolve_is_allowed() -> None:
    desk = open_desk()
    accepted(desk, resolved(1), reopened(2), resolved(3))
    assert desk.case().status == "resolved"


# ---- case_closed -------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [*sorted(ON_A_CASE), "case.opened"])
def test_anything_after_closing_is_case_closed(type_: str) -> None:
    desk = open_desk(responded(1), proposed(2, 3), resolved(3), closed(4))
    document = opened(5) if type_ == "case.opened" else ON_A_CASE[type_]()
    rejected(desk, document, ReasonCode.CASE_CLOSED)


def test_closing_a_resolved_case_is_allowed() -> None:
    desk = open_desk(resolved(1))
    accepted(desk, closed(2))


# ---- duplicates --------------------------------------------------------------------------


def test_a_duplicate_of_an_accepted_message_has_no_effect_and_is_not_a_rejection() -> None:
    desk = open_desk()
    first = responded(5)
    accepted(desk, first)
    version = desk.case().version
    desk.case().collect_events()
    assert desk.take(first) == Duplicate(first["message_id"])
    assert desk.case().version == version and desk.case().collect_events() == []


def test_a_resent_message_id_with_other_content_is_a_duplicate() -> None:
    desk = open_desk(responded(1), proposed(2, 4, message_id="m-p"))
    accepted(desk, agreed(3, message_id="m-a"))
    again = declined(4, message_id="m-a")
    assert isinstance(desk.take(again), Duplicate)
    assert desk.case().severity == 4


def test_a_duplicate_of_a_rejected_message_is_not_rejected_twice() -> None:
    desk = open_desk()
    early = proposed(1, 3)
    rejected(desk, early, ReasonCode.NO_INITIAL_CONTACT)
    accepted(desk, responded(2))
    assert isinstance(desk.take(early), Duplicate)  # now it would pass, but it was decided
    assert desk.case().pending_proposal is None


def test_a_duplicate_of_an_invalid_message_with_an_id_is_a_duplicate() -> None:
    desk = open_desk()
    document = responded(5, message_id="m-bad")
    document["at"] = "2026-09-01T12:05:00"
    rejected(desk, document, ReasonCode.INVALID_MESSAGE)
    assert isinstance(desk.take(line(document)), Duplicate)


def test_unreadable_lines_have_no_identity_and_are_rejected_each_time() -> None:
    desk = Desk()
    assert isinstance(desk.take(b"garbage"), Rejected)
    assert isinstance(desk.take(b"garbage"), Rejected)


# ---- precedence (the contract is silent; domain/rules.py documents the order) ------------


def test_a_closed_case_answers_case_closed_before_checking_the_actor() -> None:
    desk = open_desk(closed(1))
    rejected(desk, reopened(5, customer="globex"), ReasonCode.CASE_CLOSED)


def test_the_actor_is_checked_before_the_date() -> None:
    desk = open_desk()
    rejected(
        desk,
        message("case.resolved", -5, actor=(CUSTOMER, "customer")),
        ReasonCode.ACTOR_NOT_ALLOWED,
    )
