"""Properties over many histories: generated ones (with their own expected report) and
arbitrary message sequences drawn by hypothesis."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.replay import Replay
from domain.reasons import ReasonCode
from tooling.histories import build_history, generate_history

from .support import CUSTOMER, POLICY, contract_fields, instant, line, message, replay

CASES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
sizes = st.integers(min_value=1, max_value=600)
seeds = st.integers(min_value=0, max_value=2**32)


@CASES
@given(size=sizes, seed=seeds)
def test_a_generated_history_replays_to_the_report_it_was_written_for(size: int, seed: int) -> None:
    history = build_history(size, seed)
    assert len(history.lines) == size
    produced = replay(history.lines).report()
    if history.expected.latest_at is None:
        assert produced["as_of"] is None
        return
    assert contract_fields(produced) == history.expected.report()


@CASES
@given(size=st.integers(min_value=50, max_value=600), seed=seeds, fraction=st.floats(0, 1))
def test_as_of_any_t_the_replay_reports_what_was_known_at_t(
    size: int, seed: int, fraction: float
) -> None:
    history = build_history(size, seed)
    expected = history.expected
    if expected.latest_at is None or not expected.cases:
        return
    start = min(c.opened_at for c in expected.cases.values())
    as_of = start + (expected.latest_at - start) * fraction
    as_of = as_of.replace(microsecond=0)
    assert contract_fields(replay(history.lines).report(as_of)) == expected.report(as_of)


@settings(max_examples=10, deadline=None)
@given(size=sizes, seed=seeds)
def test_the_same_seed_writes_the_same_history_and_replays_to_the_same_report(
    size: int, seed: int
) -> None:
    lines = list(generate_history(size, seed))
    assert lines == list(generate_history(size, seed))
    assert replay(lines).report() == replay(lines).report()


# ---- arbitrary sequences -----------------------------------------------------------------

CASE_IDS = ("C-1", "C-2")
ACTORS = ((CUSTOMER, "customer"), ("globex", "customer"), ("eng-1", "engineer"), ("ops", "system"))


@st.composite
def intake_message(draw: st.DrawFn) -> bytes:
    type_ = draw(
        st.sampled_from(
            [
                "case.opened",
                "case.responded",
                "case.responded",
                "severity.proposed",
                "severity.proposed",
                "severity.agreed",
                "severity.declined",
                "case.resolved",
                "case.reopened",
                "case.closed",
            ]
        )
    )
    actor = draw(st.sampled_from(ACTORS))
    fields: dict[str, Any] = {}
    if type_ == "case.opened":
        customer = draw(st.sampled_from((CUSTOMER, "globex")))
        actor = (customer, "customer") if draw(st.booleans()) else actor
        fields = {
            "customer": {
                "id": customer,
                "tier": draw(st.sampled_from(("enterprise", "developer"))),
            },
            "severity": draw(st.integers(1, 4)),
            "technologies": draw(
                st.lists(st.sampled_from(("java", "MSSQL", ".Net", "go")), max_size=2)
            ),
        }
    elif type_ == "severity.proposed":
        fields = {"severity": draw(st.integers(1, 4)), "reason": "r"}
        if draw(st.booleans()):
            fields["proposal_id"] = draw(st.sampled_from(("p-1", "p-2", "p-3")))
    elif type_ in ("severity.agreed", "severity.declined") and draw(st.booleans()):
        fields["proposal_id"] = draw(st.sampled_from(("p-1", "p-2", "p-3")))
    document = message(
        type_,
        draw(st.integers(0, 24 * 60)),
        case_id=draw(st.sampled_from(CASE_IDS)),
        actor=actor,
        message_id=f"m-{draw(st.integers(0, 40))}",
        **fields,
    )
    return line(document)


histories = st.lists(intake_message(), max_size=40)


def check_severity_changes(result: Replay) -> None:
    """Every change: agreed by the case's own customer, to a pending engineer's proposal
    made after the first response; and never above the case's cap."""
    for audit in result.audit.cases.values():
        events = audit.events
        opening = events[0].data
        cap = opening["cap_level"]
        severity = opening["severity"]
        assert cap is None or severity >= cap
        responded = False
        pending: dict[str, Any] | None = None
        for entry in events[1:]:
            if entry.type == "FirstResponse":
                responded = True
            elif entry.type == "SeverityProposed":
                assert responded and entry.actor_role == "engineer"
                pending = entry.data
            elif entry.type == "SeverityAgreed":
                assert pending is not None and entry.data["proposal_id"] == pending["proposal_id"]
                assert (entry.actor_role, entry.actor_id) == ("customer", audit.customer_id)
                severity = entry.data["to_severity"]
                assert cap is None or severity >= cap
                pending = None
            elif entry.type in ("SeverityDeclined", "SeverityProposalSuperseded"):
                pending = None
            assert entry.at >= audit.opened_at


def check_statuses(report: dict[str, Any]) -> None:
    """Each status follows from the row's own instants, the boundaries included."""
    as_of = report["as_of"]
    for row in report["sla"]["cases"]:
        response, due = row["first_response_at"], row["due_at"]
        if response is not None:
            assert row["status"] == ("met" if response <= due else "breached")
        elif row["status"] != "void":
            assert row["status"] == ("breached" if as_of > due else "pending")
        else:
            assert as_of is not None


@settings(max_examples=150, deadline=None)
@given(histories)
def test_any_sequence_keeps_the_contracts_invariants(lines: list[bytes]) -> None:
    result = replay(lines)
    report = result.report()
    assert report == replay(lines).report()
    check_severity_changes(result)
    check_statuses(report)
    assert {r["reason"] for r in report["rejected"]} <= {code.value for code in ReasonCode}
    rejected_ids = [r["message_id"] for r in report["rejected"]]
    assert len(rejected_ids) == len(set(rejected_ids)), "a message_id is rejected at most once"


@settings(max_examples=60, deadline=None)
@given(histories, st.integers(0, 24 * 60))
def test_as_of_statuses_follow_the_contract_at_any_t(lines: list[bytes], minutes: int) -> None:
    report = replay(lines).report(instant(minutes))
    check_statuses(report)
    for row in report["sla"]["cases"]:
        assert row["opened_at"] <= report["as_of"]
        assert row["first_response_at"] is None or row["first_response_at"] <= report["as_of"]


def test_the_policy_used_by_the_properties_is_the_default() -> None:
    assert POLICY.id == "casebook-default"
