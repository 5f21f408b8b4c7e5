"""The one oracle every fault scenario ends with, and the summary line it leaves behind.

What must hold, computed by set arithmetic on what is really on the topics (never assumed):

- every accepted upstream message applied exactly once: the events topic holds each case
  event the offline replay produced, once (lost = expected - seen, doubled = the extra
  copies seen);
- every rejected message on the rejected topic with its original bytes, exactly once;
- per-case order kept: in topic order, a case's event versions are 1..n with no gap;
- the durable views equal the offline replay of the same history.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis.replay import Replay, replay_history
from casebook.policies import load_policy
from casebook.settings import Settings
from tests.integration.engine_support import (
    ROOT,
    assert_views_equal_replay,
    header_map,
    read_topic,
    topics,
)

SUMMARY_JSON = Path(
    os.environ.get("CASEBOOK_FAULTS_SUMMARY") or ROOT / "var" / "faults-summary.json"
)


@dataclass
class Counts:
    scenario: str
    messages: int
    kills: int = 0
    restarts: int = 0
    duplicates_seen: int = 0  # upstream duplicates in the history (same message_id again)
    accepted_events: int = 0
    rejected: int = 0
    lost: int = 0
    doubled: int = 0
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.scenario}: messages {self.messages}, kills {self.kills}, restarts "
            f"{self.restarts}, duplicates seen {self.duplicates_seen}, events "
            f"{self.accepted_events}, rejected {self.rejected}, lost {self.lost}, doubled "
            f"{self.doubled}, {self.seconds:.1f} s"
        )


def upstream_duplicates(lines: list[bytes]) -> int:
    """Lines whose `message_id` an earlier line already carried."""
    seen: set[str] = set()
    duplicates = 0
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        message_id = document.get("message_id") if isinstance(document, dict) else None
        if isinstance(message_id, str):
            duplicates += message_id in seen
            seen.add(message_id)
    return duplicates


def expected_rejected_bytes(replay: Replay, lines: list[bytes]) -> Counter[bytes]:
    """The original bytes of every line the replay rejected (its line numbers are 1-based)."""
    rejected: Counter[bytes] = Counter()
    for entry in replay.rejected.entries:
        assert entry.line is not None, "a replay rejection without its line number"
        rejected[lines[entry.line - 1].rstrip(b"\r\n")] += 1
    return rejected


def expected_events(replay: Replay) -> Counter[tuple[str, int, str]]:
    return Counter(
        (case_id, entry.version, entry.message_id)
        for case_id, audit in replay.audit.cases.items()
        for entry in audit.events
    )


def check_exactly_once(settings: Settings, history: Path, counts: Counts) -> Counts:
    """Assert the oracle against `history` (the lines Kafka accepted, in publish order)."""
    lines = [line for line in history.read_bytes().splitlines() if line.strip()]
    replay = replay_history(lines, load_policy(), keep_audit_events=True)
    counts.duplicates_seen = upstream_duplicates(lines)

    events = read_topic(settings, topics(settings).events)
    seen_events: Counter[tuple[str, int, str]] = Counter()
    versions: dict[str, list[int]] = {}
    for record in events:
        value = json.loads(record.value)
        case_id = header_map(record)["casebook.case_id"].decode()
        version = int(header_map(record)["casebook.version"])
        seen_events[(case_id, version, value["message_id"])] += 1
        versions.setdefault(case_id, []).append(version)
    wanted_events = expected_events(replay)

    rejected = read_topic(settings, topics(settings).rejected)
    seen_rejected = Counter(bytes(record.value) for record in rejected)
    wanted_rejected = expected_rejected_bytes(replay, lines)

    lost = wanted_events - seen_events
    lost_rejected = wanted_rejected - seen_rejected
    doubled = seen_events - wanted_events
    doubled_rejected = seen_rejected - wanted_rejected
    counts.accepted_events = sum(seen_events.values())
    counts.rejected = sum(seen_rejected.values())
    counts.lost = sum(lost.values()) + sum(lost_rejected.values())
    counts.doubled = sum(doubled.values()) + sum(doubled_rejected.values())
    out_of_order = {c: v for c, v in versions.items() if v != list(range(1, len(v) + 1))}

    assert not lost, f"case events lost: {sorted(lost)[:10]}"
    assert not doubled, f"case events applied twice (or unexpected): {sorted(doubled)[:10]}"
    assert not lost_rejected, f"rejections lost: {[b[:80] for b in lost_rejected][:10]}"
    assert not doubled_rejected, f"rejections doubled: {[b[:80] for b in doubled_rejected][:10]}"
    assert not out_of_order, f"per-case order broken: {dict(list(out_of_order.items())[:5])}"
    assert_views_equal_replay(settings, replay)
    return counts


def record_summary(counts: Counts) -> None:
    """Print the scenario's line and keep it (by scenario) in var/faults-summary.json + .md."""
    print(counts.line())
    SUMMARY_JSON.parent.mkdir(parents=True, exist_ok=True)
    try:
        rows: dict[str, Any] = json.loads(SUMMARY_JSON.read_text())
    except (OSError, ValueError):
        rows = {}
    rows[counts.scenario] = {**asdict(counts), "recorded": time.strftime("%Y-%m-%dT%H:%M:%S")}
    SUMMARY_JSON.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    SUMMARY_JSON.with_suffix(".md").write_text(markdown_table(rows))


def markdown_table(rows: dict[str, Any]) -> str:
    head = (
        "| scenario | messages | kills | restarts | duplicates seen | events | rejected "
        "| lost | doubled | seconds |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    body = "".join(
        f"| {r['scenario']} | {r['messages']:,} | {r['kills']} | {r['restarts']} | "
        f"{r['duplicates_seen']} | {r['accepted_events']:,} | {r['rejected']:,} | {r['lost']} | "
        f"{r['doubled']} | {r['seconds']:.0f} |\n"
        for r in sorted(rows.values(), key=lambda r: r["scenario"])
    )
    return head + body
