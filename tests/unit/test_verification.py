"""Tamper evidence: an untouched export verifies; every kind of alteration is caught and named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casebook.policies import load_policy
from domain.chain import GENESIS_HASH, event_hash
from domain.desk import Accepted, IntakeDesk
from domain.event_codec import event_to_wire
from domain.memory import InMemoryCases, InMemoryLedger
from domain.parsing import parse_message
from evidence.verify import verify_export

SAMPLE = "/work/shared/samples/history-small.jsonl"


def export_of(path: str = SAMPLE) -> list[dict[str, Any]]:
    """What `casebook export` prints, produced in-process from the sample history."""
    desk = IntakeDesk(InMemoryCases(), InMemoryLedger(), load_policy())
    documents: list[dict[str, Any]] = []
    with open(path, "rb") as history:
        for line in history:
            outcome = desk.take(parse_message(line.rstrip(b"\n")))
            if isinstance(outcome, Accepted):
                documents.extend(event_to_wire(e) for e in outcome.case.collect_events())
    return documents


def lines(documents: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(document, sort_keys=True) for document in documents]


def case_events(documents: list[dict[str, Any]], case_id: str) -> list[int]:
    return [i for i, d in enumerate(documents) if d["case_id"] == case_id]


@pytest.fixture(scope="module")
def exported() -> list[dict[str, Any]]:
    return export_of()


def test_every_event_is_chained_to_the_previous_one_of_its_case(exported):
    heads: dict[str, str] = {}
    for document in exported:
        assert document["previous_hash"] == heads.get(document["case_id"], GENESIS_HASH)
        assert document["hash"] == event_hash(document)
        heads[document["case_id"]] = document["hash"]


def test_the_untouched_export_verifies(exported):
    result = verify_export(lines(exported))
    assert result.ok
    assert result.first_break is None
    assert result.report()["events"] == len(exported)
    assert all(v["verdict"] == "ok" for v in result.report()["cases"].values())


def test_an_edited_field_is_named_by_case_and_version(exported):
    documents = [dict(d) for d in exported]
    index = case_events(documents, "C-7-000038")[1]
    documents[index] = {**documents[index], "at": "2026-09-11T20:30:00.000000+00:00"}
    result = verify_export(lines(documents))
    assert not result.ok
    assert result.first_break["case_id"] == "C-7-000038"
    assert result.first_break["version"] == 2
    assert "edited" in result.first_break["problem"]


def test_a_dropped_line_is_caught(exported):
    documents = list(exported)
    index = case_events(documents, "C-7-000038")[2]
    del documents[index]
    result = verify_export(lines(documents))
    assert not result.ok
    assert result.first_break["case_id"] == "C-7-000038"
    assert result.first_break["version"] == 4
    assert "removed" in result.first_break["problem"]


def test_two_swapped_lines_of_a_case_are_caught(exported):
    documents = list(exported)
    first, second = case_events(documents, "C-7-000038")[2:4]
    documents[first], documents[second] = documents[second], documents[first]
    result = verify_export(lines(documents))
    assert not result.ok
    assert result.first_break["case_id"] == "C-7-000038"
    assert result.first_break["version"] == 4


def test_a_duplicated_line_is_caught(exported):
    documents = list(exported)
    index = case_events(documents, "C-7-000012")[1]
    documents.insert(index + 1, documents[index])
    result = verify_export(lines(documents))
    assert not result.ok
    assert result.first_break["case_id"] == "C-7-000012"
    assert "duplicated" in result.first_break["problem"]


def test_an_inserted_event_with_a_stale_link_is_caught(exported):
    documents = list(exported)
    indexes = case_events(documents, "C-7-000012")
    forged = {**documents[indexes[1]], "version": 3, "message_id": "forged"}
    forged["hash"] = event_hash(forged)  # a correct hash, but it links to version 1, not 2
    documents.insert(indexes[2], forged)
    result = verify_export(lines(documents))
    assert not result.ok
    assert result.first_break["case_id"] == "C-7-000012"
    assert result.first_break["version"] == 3


def test_a_forged_agreement_by_another_actor_fails_even_with_a_valid_chain(exported):
    """A forger can recompute hashes; the severity rules still catch the wrong customer."""
    documents = list(exported)
    indexes = case_events(documents, "C-7-000035")  # proposal s7-0000214 was declined
    last = documents[indexes[-1]]
    proposal = next(
        d for d in documents if d["case_id"] == "C-7-000035" and d["type"] == "SeverityProposed"
    )
    forged = {
        **last,
        "type": "SeverityAgreed",
        "version": last["version"] + 1,
        "previous_hash": last["hash"],
        "message_id": "forged-1",
        "actor": {"id": "cust-0001", "role": "customer"},
        "data": {
            "proposal_id": proposal["data"]["proposal_id"],
            "from_severity": 4,
            "to_severity": 1,
        },
    }
    forged["hash"] = event_hash(forged)
    documents.insert(indexes[-1] + 1, forged)
    result = verify_export(lines(documents))
    verdict = result.report()["cases"]["C-7-000035"]
    assert not result.ok
    assert verdict["chain"] == "intact"
    assert verdict["verdict"] == "failed"
    assert any("not the case's customer" in p for p in verdict["severity_problems"])
    assert any("not pending" in p for p in verdict["severity_problems"])


def test_a_forged_agreement_without_a_valid_hash_breaks_the_chain(exported):
    documents = list(exported)
    last = documents[case_events(documents, "C-7-000035")[-1]]
    forged = {
        **last,
        "type": "SeverityAgreed",
        "version": last["version"] + 1,
        "previous_hash": last["hash"],
        "actor": {"id": "someone", "role": "customer"},
    }
    documents.append(forged)
    result = verify_export(lines(documents))
    assert result.first_break["case_id"] == "C-7-000035"
    assert result.first_break["version"] == last["version"] + 1
    assert "edited" in result.first_break["problem"]


def test_an_unreadable_line_fails_verification(exported):
    result = verify_export([*lines(exported), "{not json"])
    assert not result.ok
    assert result.unreadable_lines == [len(exported) + 1]


def test_canonical_json_is_the_standard_library_form_with_sorted_keys():
    """orjson does the work; the bytes are exactly what the documented json.dumps call gives."""
    from domain.chain import canonical_json

    documents = [*export_of(), {"b": [1, None, True, "é\u2028\x00"], "a": {"z": 1.5, "y": 10**20}}]
    for document in documents:
        expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical_json(document) == expected.encode("utf-8")


def test_the_fast_event_id_is_the_rfc_4122_uuid5():
    from uuid import uuid4

    from domain.event_wire import event_id, event_id_text

    for version in (1, 2, 9, 10, 12345):
        aggregate_id = uuid4()
        assert event_id_text(aggregate_id, version) == str(event_id(aggregate_id, version))
