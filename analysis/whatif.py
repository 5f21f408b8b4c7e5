"""What-if: the same history judged by the recorded policy and by a candidate, side by side.

Both replays run in memory through the same desk and projections; no live view is touched.
A case "flips" when its status as of the same instant differs between the two: its first
response (the `sla` section), and under SLA v2 policies each metric (`metric_flips`), which
is how a desk tries a new calendar or holiday list on its whole history before adopting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from analysis.replay import replay_history
from domain.policy import Policy
from domain.timefmt import format_instant


def what_if(
    lines: Sequence[bytes], recorded: Policy, candidate: Policy, as_of: datetime | None = None
) -> dict[str, Any]:
    # Only the SLA views are compared: the cases need no hash chain.
    baseline = replay_history(lines, recorded, sealed=False)
    trial = replay_history(lines, candidate, sealed=False)
    instant = as_of or baseline.latest_at
    if instant is None:
        raise ValueError("the history holds no valid message, so there is nothing to judge")
    before, after = baseline.sla.report(instant), trial.sla.report(instant)
    after_by_case = {case["case_id"]: case for case in after["cases"]}
    flipped = []
    for case in before["cases"]:
        other = after_by_case.get(case["case_id"])
        if other is None or other["status"] != case["status"]:
            flipped.append(
                {
                    "case_id": case["case_id"],
                    "sla_severity": case["sla_severity"],
                    "candidate_sla_severity": other["sla_severity"] if other else None,
                    "first_response_at": case["first_response_at"],
                    "recorded": {"due_at": case["due_at"], "status": case["status"]},
                    "candidate": {"due_at": other["due_at"], "status": other["status"]}
                    if other
                    else None,
                }
            )
    report = {
        "as_of": format_instant(instant),
        "policies": {
            "recorded": _policy_ref(recorded),
            "candidate": _policy_ref(candidate),
        },
        "recorded": {"by_severity": before["by_severity"], "total": before["total"]},
        "candidate": {"by_severity": after["by_severity"], "total": after["total"]},
        "flipped": flipped,
    }
    if recorded.targets or candidate.targets:
        report.update(_metric_comparison(baseline.report(instant), trial.report(instant)))
    return report


def _metric_comparison(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Each metric's counts under both policies, and the cases whose metric status differs
    (`null` where a policy does not measure that metric)."""
    recorded, candidate = before.get("metrics", {}), after.get("metrics", {})
    counts: dict[str, Any] = {"recorded": {}, "candidate": {}}
    flips: dict[str, list[dict[str, Any]]] = {}
    for metric in sorted(set(recorded) | set(candidate), key=METRIC_ORDER.index):
        for side, section in (("recorded", recorded), ("candidate", candidate)):
            if metric in section:
                counts[side][metric] = {
                    "by_severity": section[metric]["by_severity"],
                    "total": section[metric]["total"],
                }
        statuses = [_statuses(section.get(metric)) for section in (recorded, candidate)]
        flips[metric] = [
            {"case_id": case_id, "recorded": statuses[0].get(case_id), "candidate": status}
            for case_id, status in statuses[1].items()
            if statuses[0].get(case_id) != status
        ] + [
            {"case_id": case_id, "recorded": status, "candidate": None}
            for case_id, status in statuses[0].items()
            if case_id not in statuses[1]
        ]
    return {"metrics": counts, "metric_flips": flips}


METRIC_ORDER = ["next_response", "resolution"]


def _statuses(section: dict[str, Any] | None) -> dict[str, str]:
    return {} if section is None else {c["case_id"]: c["status"] for c in section["cases"]}


def _policy_ref(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version, "hash": policy.content_hash}
