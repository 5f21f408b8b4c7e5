"""Offline verification of an exported history, written independently of the aggregate.

An auditor runs it on an export (`casebook export`), with no access to the engine's stores
and without trusting the engine's code: only the published event form, SHA-256 and the
contract's rules are used. Two questions are answered per case:

1. Is the chain intact? Every event's hash matches its content, versions run 1, 2, 3...
   and each event links to the hash of the one before: an edited, removed, inserted,
   duplicated or reordered event breaks it at a named version.
2. Was every severity change legitimate? Proposed by an engineer, after the first response,
   within the case's cap, and agreed by the case's own customer before it took effect.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.chain import GENESIS_HASH, event_hash


@dataclass
class CaseCheck:
    case_id: str
    events: int = 0
    version: int = 0
    head: str = GENESIS_HASH
    chain_break: dict[str, Any] | None = None
    severity_problems: list[str] = field(default_factory=list)
    customer_id: str | None = None
    cap_level: int | None = None
    severity: int | None = None
    first_response_at: str | None = None
    pending: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.chain_break is None and not self.severity_problems

    def verdict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "chain": "intact" if self.chain_break is None else "broken",
            "chain_break": self.chain_break,
            "severity_changes": "valid" if not self.severity_problems else "invalid",
            "severity_problems": self.severity_problems,
            "verdict": "ok" if self.ok else "failed",
        }


@dataclass
class Verification:
    cases: dict[str, CaseCheck] = field(default_factory=dict)
    first_break: dict[str, Any] | None = None
    unreadable_lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unreadable_lines and all(check.ok for check in self.cases.values())

    def report(self) -> dict[str, Any]:
        return {
            "verified": self.ok,
            "events": sum(check.events for check in self.cases.values()),
            "first_break": self.first_break,
            "unreadable_lines": self.unreadable_lines,
            "cases": {case_id: check.verdict() for case_id, check in self.cases.items()},
        }


def verify_export(lines: Iterable[bytes | str]) -> Verification:
    """Check every line of an export, in order; never stops at the first problem."""
    result = Verification()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
            case_id = document["case_id"]
        except (ValueError, KeyError, TypeError):
            result.unreadable_lines.append(number)
            if result.first_break is None:
                result.first_break = {"line": number, "problem": "not an exported event"}
            continue
        check = result.cases.setdefault(case_id, CaseCheck(case_id))
        check_event(check, document)
        if check.chain_break is not None and result.first_break is None:
            result.first_break = {"line": number, "case_id": case_id, **check.chain_break}
    return result


def check_event(check: CaseCheck, document: dict[str, Any]) -> None:
    """Fold one exported event into its case's check (chain first, then severity rules)."""
    check.events += 1
    if check.chain_break is not None:
        return  # after a break nothing of this case can be trusted, so nothing more is said
    problem = _chain_problem(check, document)
    if problem is not None:
        check.chain_break = {"version": document.get("version"), "problem": problem}
        return
    check.version = document["version"]
    check.head = document["hash"]
    _check_severity_rules(check, document)


def _chain_problem(check: CaseCheck, document: dict[str, Any]) -> str | None:
    version = document.get("version")
    if not isinstance(version, int):
        return "event without a version"
    if version <= check.version:
        return f"version {version} after version {check.version}: duplicated or reordered"
    if version != check.version + 1:
        return f"versions {check.version + 1}..{version - 1} are missing: removed"
    if document.get("previous_hash") != check.head:
        return f"does not link to version {check.version}: inserted, removed or reordered"
    if event_hash(document) != document.get("hash"):
        return "content does not match its hash: edited"
    return None


def _check_severity_rules(check: CaseCheck, document: dict[str, Any]) -> None:
    kind, data, actor, at = document["type"], document["data"], document["actor"], document["at"]
    version = document["version"]
    if kind == "Opened":
        check.customer_id = data["customer_id"]
        check.cap_level = data["cap_level"]
        check.severity = data["severity"]
        if check.cap_level is not None and check.severity < check.cap_level:
            check.severity_problems.append(f"v{version}: opened above its cap")
    elif kind == "FirstResponse":
        check.first_response_at = check.first_response_at or at
    elif kind == "SeverityProposed":
        if actor["role"] != "engineer":
            check.severity_problems.append(
                f"v{version}: proposed by a {actor['role']}, not an engineer"
            )
        if check.first_response_at is None or at < check.first_response_at:
            check.severity_problems.append(f"v{version}: proposed before the first response")
        if check.cap_level is not None and data["to_severity"] < check.cap_level:
            check.severity_problems.append(f"v{version}: proposes severity above the cap")
        check.pending = {"proposal_id": data["proposal_id"], "to": data["to_severity"], "at": at}
    elif kind == "SeverityProposalSuperseded":
        check.pending = None
    elif kind in ("SeverityAgreed", "SeverityDeclined"):
        _check_decision(check, document)
    if (
        check.cap_level is not None
        and check.severity is not None
        and check.severity < check.cap_level
    ):
        check.severity_problems.append(f"v{version}: severity {check.severity} above the cap")


def _check_decision(check: CaseCheck, document: dict[str, Any]) -> None:
    kind, data, actor, version = (
        document["type"],
        document["data"],
        document["actor"],
        document["version"],
    )
    if actor["role"] != "customer" or actor["id"] != check.customer_id:
        check.severity_problems.append(
            f"v{version}: {kind} by {actor['role']} {actor['id']!r}, not the case's customer "
            f"{check.customer_id!r}"
        )
    pending = check.pending
    if pending is None or pending["proposal_id"] != data["proposal_id"]:
        check.severity_problems.append(
            f"v{version}: {kind} of proposal {data['proposal_id']!r}, not pending"
        )
    elif document["at"] < pending["at"]:
        check.severity_problems.append(f"v{version}: decided before it was proposed")
    if kind == "SeverityAgreed":
        if pending is not None and data["to_severity"] != pending["to"]:
            check.severity_problems.append(f"v{version}: agreed severity differs from the proposal")
        check.severity = data["to_severity"]
    check.pending = None
