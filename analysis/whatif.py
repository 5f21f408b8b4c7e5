"""What-if: the same history judged by the recorded policy and by a candidate, side by side.

Both replays run in memory through the same desk and projections; no live view is touched.
A case "flips" when its status as of the same instant differs between the two.
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
    return {
        "as_of": format_instant(instant),
        "policies": {
            "recorded": _policy_ref(recorded),
            "candidate": _policy_ref(candidate),
        },
        "recorded": {"by_severity": before["by_severity"], "total": before["total"]},
        "candidate": {"by_severity": after["by_severity"], "total": after["total"]},
        "flipped": flipped,
    }


def _policy_ref(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version, "hash": policy.content_hash}
