"""SLA v2 over HTTP: /api/sla carries the `metrics` section under a policy with targets
(each page's cases, counts over all), validated by its OpenAPI model; none under v1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from analysis.replay import replay_history
from casebook.policies import load_policy
from casebook.settings import Settings
from casebook.web.app import create_app
from domain.timefmt import format_instant
from tests.business_support import EXAMPLE, fill_views
from tests.web.support import TOKENS, auth
from tooling.histories.business import business_history

LINES = business_history(60, seed=11)


def filled(data_dir: Path) -> Settings:
    settings = Settings(data_dir=data_dir, store="sqlite", api_tokens=TOKENS, policy_file=EXAMPLE)
    fill_views(settings, LINES)
    return settings


def test_the_sla_report_carries_the_metrics_page_by_page(tmp_path: Path) -> None:
    replay = replay_history(LINES, load_policy(EXAMPLE))
    assert replay.latest_at is not None
    as_of = replay.latest_at - timedelta(days=3)
    expected = replay.report(as_of)["metrics"]
    with TestClient(create_app(filled(tmp_path))) as client:
        params = {"as_of": format_instant(as_of), "limit": "1000"}
        whole = client.get("/api/sla", params=params, headers=auth("analyst"))
        assert whole.status_code == 200, whole.text
        assert whole.json()["metrics"] == expected
        first = client.get("/api/sla", params={**params, "limit": "7"}, headers=auth("analyst"))
        page = first.json()
    listed = [case["case_id"] for case in page["cases"]]
    for metric in ("next_response", "resolution"):
        shown = page["metrics"][metric]
        assert [case["case_id"] for case in shown["cases"]] == listed
        assert shown["total"] == expected[metric]["total"]  # counted over every case


def test_a_v1_policy_answers_without_metrics(tmp_path: Path) -> None:
    settings = filled(tmp_path).model_copy(update={"policy_file": None})
    with TestClient(create_app(settings)) as client:
        answer = client.get("/api/sla", headers=auth("analyst")).json()
    assert "metrics" not in answer
