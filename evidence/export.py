"""Evidence from the event store: exports of case events and digests of the whole history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from consumers.event_store import CaseStore
from domain.case import Case
from domain.case_state import case_aggregate_id
from domain.chain import chain_leaf, merkle_root
from domain.event_codec import EVENT_CLASSES, event_to_wire
from evidence.verify import CaseCheck, check_event

DIGEST_ALGORITHM = "casebook-digest/v1: sha256 case chains; RFC 6962 merkle over sorted case heads"
PAGE = 1000


def case_event_topics() -> list[str]:
    return [cls.TOPIC for cls in EVENT_CLASSES.values()]


def export_events(store: CaseStore, case_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Every case event in recording order (or one case's, in version order), published form."""
    if case_id is not None:
        for stored in store.recorder.select_events(case_aggregate_id(case_id)):
            yield event_to_wire(store.mapper.to_domain_event(stored))
        return
    position = 0
    topics = case_event_topics()
    while True:
        page = store.recorder.select_notifications(
            start=position, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        if not page:
            return
        for notification in page:
            event = store.mapper.to_domain_event(notification)
            assert isinstance(event, Case.Event)
            yield event_to_wire(event)
        position = page[-1].id


def take_digest(store: CaseStore) -> dict[str, Any]:
    """Verify every chain as it stands, then digest their heads; refuses a broken history."""
    checks: dict[str, CaseCheck] = {}
    for document in export_events(store):
        check = checks.setdefault(document["case_id"], CaseCheck(document["case_id"]))
        check_event(check, document)
    broken = [c for c in checks.values() if c.chain_break is not None]
    if broken:
        raise ValueError(f"case {broken[0].case_id} is already broken: {broken[0].chain_break}")
    heads = {
        c.case_id: {"version": c.version, "head": c.head}
        for c in sorted(checks.values(), key=lambda c: c.case_id)
    }
    return {"algorithm": DIGEST_ALGORITHM, "cases": heads, "root": digest_root(heads)}


def digest_root(heads: dict[str, dict[str, Any]]) -> str:
    leaves = [
        chain_leaf(case_id, head["version"], head["head"])
        for case_id, head in sorted(heads.items())
    ]
    return merkle_root(leaves)


def verify_against_digest(store: CaseStore, digest: dict[str, Any]) -> list[str]:
    """Problems proving that something recorded before the digest changed (empty: none).

    Each case's chain is recomputed from the store up to the digested version and must end
    at the digested head; later events are allowed. The digest's own root is recomputed too,
    so a digest file edited to match an altered store is caught by the root kept outside.
    """
    problems = []
    if digest_root(digest["cases"]) != digest["root"]:
        problems.append("the digest's cases do not hash to its root: the digest file was altered")
    for case_id, head in digest["cases"].items():
        check = CaseCheck(case_id)
        for stored in store.recorder.select_events(case_aggregate_id(case_id), lte=head["version"]):
            check_event(check, event_to_wire(store.mapper.to_domain_event(stored)))
        if check.chain_break is not None:
            problems.append(f"case {case_id}: chain broken at {check.chain_break}")
        elif check.version != head["version"]:
            problems.append(
                f"case {case_id}: has {check.version} of its {head['version']} digested events"
            )
        elif check.head != head["head"]:
            problems.append(
                f"case {case_id}: head at version {check.version} differs from the digest"
            )
    return problems


def verify_stored_case(store: CaseStore, case_id: str) -> dict[str, Any]:
    """Check one case's chain and severity changes as the event store holds them now.

    A case the views know but the store holds no event of cannot be verified: its verdict
    is `missing`, never `ok`. Used by `casebook audit CASE` and the HTTP API alike.
    """
    check = CaseCheck(case_id)
    for document in export_events(store, case_id):
        check_event(check, document)
    verdict = check.verdict()
    if check.events == 0:
        verdict["verdict"] = "missing"
    return verdict
