"""Contract 1.2 on the real broker: only what a declared source signed counts, and only
for whom that source may speak; a forger cannot take a real message's id first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from casebook.settings import Settings
from domain.sources import SIGNATURE_HEADER, SOURCE_HEADER, signature
from tests.integration.engine_support import (
    casebook,
    casebook_json,
    header_map,
    read_topic,
    run_casebook,
    run_until_idle,
    topics,
)

PORTAL_SECRET = "p" * 40
DESK_OLD, DESK_NEW = "o" * 40, "n" * 40
SOURCES = {
    "portal": {"secrets": [PORTAL_SECRET], "roles": ["customer"], "customer_ids": ["cust-1"]},
    "desk": {"secrets": [DESK_NEW, DESK_OLD], "roles": ["engineer", "system"]},
}


def message(n: int, type_: str, role: str, actor: str, **fields: Any) -> bytes:
    body = {
        "message_id": f"m-{n}",
        "case_id": "C-1",
        "type": type_,
        "at": f"2026-10-01T10:{n:02d}:00Z",
        "actor": {"id": actor, "role": role},
        **fields,
    }
    return json.dumps(body).encode()


def send(settings: Settings, value: bytes, source: str | None, secret: str | None) -> None:
    producer = KafkaProducer(**settings.kafka_client_config())
    key = json.loads(value)["case_id"].encode()
    headers = []
    if source is not None and secret is not None:
        headers = [
            (SOURCE_HEADER, source.encode()),
            (SIGNATURE_HEADER, signature(secret.encode(), key, value).encode()),
        ]
    producer.send(topics(settings).intake, key=key, value=value, headers=headers).get(30)
    producer.close()


def test_forged_wrong_source_and_rotated_records_on_the_real_broker(
    settings_factory: Callable[..., Settings],
) -> None:
    settings = settings_factory(partitions=1, intake_auth="required", intake_sources=SOURCES)
    opened = message(
        1,
        "case.opened",
        "customer",
        "cust-1",
        customer={"id": "cust-1", "tier": "enterprise"},
        severity=2,
    )
    # A forger publishes a "response" first, under the id the real one will carry.
    forged = message(2, "case.responded", "engineer", "eng-fake", body="all fine")
    real = message(2, "case.responded", "engineer", "eng-1", body="looking")
    wrong_role = message(3, "case.closed", "engineer", "eng-1")  # the portal as an engineer
    other_customer = message(4, "case.closed", "customer", "cust-2")  # not the portal's
    rotated = message(5, "case.resolved", "engineer", "eng-1")  # the desk's old secret
    run_until_idle(settings)  # the topics and tables exist from here
    send(settings, opened, "portal", PORTAL_SECRET)
    send(settings, forged, None, None)
    send(settings, forged, "desk", "x" * 40)  # a guessed secret
    send(settings, real, "desk", DESK_NEW)
    send(settings, wrong_role, "portal", PORTAL_SECRET)
    send(settings, other_customer, "portal", PORTAL_SECRET)
    send(settings, rotated, "desk", DESK_OLD)
    run_until_idle(settings)

    audit = casebook_json(settings, "audit", "C-1")
    accepted = [(e["message_id"], e["actor"]["id"]) for e in audit["events"]]
    assert accepted == [("m-1", "cust-1"), ("m-2", "eng-1"), ("m-5", "eng-1")], audit["events"]
    # Every event names the source that signed its record, in the audit and on the wire,
    # under the chain's hash (the case still verifies).
    named = [(e["message_id"], e.get("source")) for e in audit["events"]]
    assert named == [("m-1", "portal"), ("m-2", "desk"), ("m-5", "desk")]
    assert audit["verification"]["verdict"] == "ok", audit["verification"]
    published = [json.loads(r.value) for r in read_topic(settings, topics(settings).events)]
    assert {(e["message_id"], e["source"]) for e in published} == set(named)
    rejected = casebook_json(settings, "rejected")
    reasons = sorted((entry.get("message_id") or "", entry["reason"]) for entry in rejected)
    assert reasons == sorted(
        [
            ("", "unauthenticated"),
            ("", "unauthenticated"),
            ("m-3", "source_not_allowed"),
            ("m-4", "source_not_allowed"),
        ]
    )
    # Each rejection keeps its bytes and headers on the rejected topic.
    dead = read_topic(settings, topics(settings).rejected)
    assert sorted(record.value for record in dead) == sorted(
        [forged, forged, wrong_role, other_customer]
    )
    assert {header_map(r)["casebook.reason"] for r in dead} == {
        b"unauthenticated",
        b"source_not_allowed",
    }


def test_casebook_publish_signs_as_the_named_source(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(partitions=1, intake_auth="required", intake_sources=SOURCES)
    opened = message(
        1,
        "case.opened",
        "customer",
        "cust-1",
        customer={"id": "cust-1", "tier": "enterprise"},
        severity=2,
    )
    history = tmp_path / "portal.jsonl"
    history.write_bytes(opened + b"\n")
    unknown = run_casebook(settings, "publish", "--source", "crm", str(history))
    assert unknown.returncode == 2
    assert "source 'crm' is not declared in CASEBOOK_INTAKE_SOURCES (declared: desk, portal)" in (
        unknown.stderr
    )
    assert PORTAL_SECRET not in unknown.stderr + unknown.stdout
    unsigned = tmp_path / "unsigned.jsonl"
    unsigned.write_bytes(message(2, "case.responded", "engineer", "eng-1", body="hi") + b"\n")
    casebook(settings, "publish", "--source", "portal", str(history))
    casebook(settings, "publish", str(unsigned))
    run_until_idle(settings)
    audit = casebook_json(settings, "audit", "C-1")
    assert [e["message_id"] for e in audit["events"]] == ["m-1"]
    assert [e["reason"] for e in casebook_json(settings, "rejected")] == ["unauthenticated"]
