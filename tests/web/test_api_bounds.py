"""What bounds each answer's cost: pages, limits, cursors, workers, failed-auth throttling."""

from __future__ import annotations

import asyncio
import base64
import json
import logging

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from casebook.web import create_app
from consumers.view_store import ViewStore
from tests.web.support import NOW, TOKENS, auth, sample_report, web_settings

GOLDEN = sample_report()
AS_OF = GOLDEN["as_of"]


def walk(client: TestClient, path: str, role: str, key: str) -> tuple[list[dict], list[dict]]:
    """Every page of a list, following `page.next`: (the items, the bodies)."""
    items, bodies, after = [], [], None
    while True:
        separator = "&" if "?" in path else "?"
        url = path if after is None else f"{path}{separator}after={after}"
        body = client.get(url, headers=auth(role)).json()
        bodies.append(body)
        items.extend(body[key])
        after = body["page"]["next"]
        if after is None:
            return items, bodies
        assert len(bodies) < 100, "the cursor does not advance"


# ---- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 38, 39])
def test_sla_pages_walked_to_the_end_are_the_whole_report(client, limit):
    cases, bodies = walk(client, f"/api/sla?as_of={AS_OF}&limit={limit}", "analyst", "cases")
    assert cases == GOLDEN["sla"]["cases"]
    assert len(bodies) == -(-len(GOLDEN["sla"]["cases"]) // limit)
    assert all(len(body["cases"]) <= limit for body in bodies)
    for body in bodies:  # every page carries the counts over all cases
        assert body["total"] == GOLDEN["sla"]["total"]
        assert body["by_severity"] == GOLDEN["sla"]["by_severity"]


def test_the_status_filter_pages_only_those_cases_and_keeps_every_count(client):
    cases, bodies = walk(
        client, f"/api/sla?as_of={AS_OF}&limit=2&status=breached&status=void", "analyst", "cases"
    )
    expected = [c for c in GOLDEN["sla"]["cases"] if c["status"] in ("breached", "void")]
    assert cases == expected and expected
    assert bodies[0]["total"] == GOLDEN["sla"]["total"]


def test_rejected_pages_walked_to_the_end_are_every_rejection_in_arrival_order(
    client, sample_data_dir
):
    everything = client.get("/api/rejected?limit=1000", headers=auth("auditor")).json()
    views = ViewStore(web_settings(sample_data_dir).stores())
    try:
        stored = [r.source for r in views.rejected()]
    finally:
        views.close()
    assert everything["count"] == len(stored) == len(everything["rejected"]) > 3
    assert everything["page"]["next"] is None
    rejected, bodies = walk(client, "/api/rejected?limit=3", "auditor", "rejected")
    assert rejected == everything["rejected"]
    assert len(bodies) == -(-len(stored) // 3)
    assert all(body["count"] == len(stored) for body in bodies)


@pytest.mark.parametrize("path", ["/api/sla", "/api/rejected"])
@pytest.mark.parametrize("limit", [0, -1, 1001, "many"])
def test_a_limit_outside_1_to_1000_is_refused(client, path, limit):
    assert client.get(f"{path}?limit={limit}", headers=auth("admin")).status_code == 422


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "after"),
    [
        ("/api/sla", "not-a-cursor"),
        ("/api/sla", _cursor("rejected", 0, 1, "x")),  # another list's cursor
        ("/api/sla", _cursor("sla", "2026-09-01T00:00:00", "C-1")),  # a naive instant
        ("/api/sla", _cursor("sla", "yesterday", "C-1")),
        ("/api/sla", _cursor("sla", 5, "C-1")),
        ("/api/rejected", _cursor("rejected", "0", 1, "x")),
        ("/api/rejected", _cursor("rejected", 0, 1)),
        ("/api/rejected", "%FF%FE"),
        ("/api/rejected", "A" * 513),
    ],
)
def test_a_cursor_the_api_did_not_hand_out_is_a_422_not_a_500(client, path, after):
    response = client.get(f"{path}?after={after}", headers=auth("admin"))
    assert response.status_code == 422, response.text


def test_a_timeline_of_366_days_answers(client):
    body = client.get("/api/sla/timeline?days=366", headers=auth("analyst")).json()
    assert len(body["points"]) == 366
    assert body["points"][-1]["total"]["opened"] == GOLDEN["sla"]["total"]["opened"]


# ---- headers --------------------------------------------------------------------------------


def test_the_dashboard_has_one_page_and_every_html_answer_has_its_protections(client):
    assert client.get("/static/index.html").status_code == 404
    pages = [client.get("/"), client.get("/case/C-1"), client.get("/docs", headers=auth("admin"))]
    for page in pages:
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self' 'sha256-" in pages[2].headers["Content-Security-Policy"]
    assert "'sha256-" in pages[2].headers["Content-Security-Policy"]  # swagger's inline script


@pytest.mark.parametrize(
    "path", ["/api/sla", "/api/rejected", "/api/whoami", "/openapi.json", "/api/sla?limit=0"]
)
def test_api_answers_are_never_cached(client, path):
    response = client.get(path, headers=auth("admin"))
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(path).headers["Cache-Control"] == "no-store"  # the 401 too


# ---- failed authentications ----------------------------------------------------------------


def throttled_client(sample_data_dir, rate: str) -> TestClient:
    settings = web_settings(sample_data_dir).model_copy(update={"api_failed_auth_limit": rate})
    return TestClient(create_app(settings, clock=lambda: NOW))


def test_past_the_failed_auth_rate_an_address_gets_429_even_with_a_right_token(
    sample_data_dir, caplog
):
    caplog.set_level(logging.WARNING, logger="casebook.web.auth")
    guess = "guess-" + "g" * 30
    with throttled_client(sample_data_dir, "5/minute") as client:
        answers = [
            client.get("/api/sla", headers={"Authorization": f"Bearer {guess}{n}"}).status_code
            for n in range(5)
        ]
        assert answers == [401] * 5
        throttled = client.get("/api/sla", headers={"Authorization": f"Bearer {guess}"})
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["Retry-After"]) <= 60
        assert client.get("/api/sla", headers=auth("analyst")).status_code == 429
        assert client.get("/health").status_code == 200  # open routes are not throttled
    failures = [r for r in caplog.records if "failed authentication" in r.getMessage()]
    assert len(failures) == 5
    assert all("testclient" in r.getMessage() and "/api/sla" in r.getMessage() for r in failures)
    assert guess not in caplog.text
    assert all(token not in caplog.text for token in TOKENS)


def test_right_tokens_are_not_counted_against_the_address(sample_data_dir):
    with throttled_client(sample_data_dir, "2/minute") as client:
        for _ in range(10):
            assert client.get("/api/whoami", headers=auth("auditor")).status_code == 200
        for _ in range(2):
            assert client.get("/api/whoami").status_code == 401
        assert client.get("/api/whoami", headers=auth("auditor")).status_code == 429


def test_an_unreadable_rate_is_refused_at_start(sample_data_dir):
    with pytest.raises(ValueError, match="must be a rate"):
        web_settings(sample_data_dir).model_validate(
            {"data_dir": sample_data_dir, "api_failed_auth_limit": "lots"}
        )


# ---- workers ------------------------------------------------------------------------------


def test_health_answers_while_every_worker_is_busy_and_data_requests_wait(sample_data_dir):
    settings = web_settings(sample_data_dir).model_copy(update={"api_workers": 1})

    async def scenario() -> None:
        app = create_app(settings, clock=lambda: NOW)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://casebook") as client:
            await app.state.workers.acquire()  # the one worker is busy
            waiting = asyncio.ensure_future(client.get("/api/sla", headers=auth("analyst")))
            health = await asyncio.wait_for(client.get("/health"), timeout=30)
            assert health.json() == {"status": "ok"}
            refused = await asyncio.wait_for(client.get("/api/sla"), timeout=30)
            assert refused.status_code == 401  # refusals need no worker either
            await asyncio.sleep(0.3)
            assert not waiting.done()  # still waiting for the worker
            app.state.workers.release()
            answer = await asyncio.wait_for(waiting, timeout=30)
            assert answer.status_code == 200 and answer.json()["total"]["opened"] > 0

    asyncio.run(scenario())
