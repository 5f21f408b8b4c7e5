"""The HTTP API over the views of the sample history: answers, time travel, who sees what."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from casebook.web import create_app
from tests.web.support import TOKENS, auth, fill_data_dir, sample_report, web_settings

CASE = "C-7-000038"
GOLDEN = sample_report()

# ---- who sees what ------------------------------------------------------------------------

ANALYST_ONLY = ["/api/sla", "/api/sla?as_of=2026-09-15T00:00:00Z", "/api/sla/timeline?days=3"]
AUDITOR_ONLY = [f"/api/cases/{CASE}/audit", "/api/rejected"]
ANY_ROLE = ["/api/whoami"]
OPEN = ["/health", "/openapi.json", "/docs", "/docs/assets/swagger-ui-bundle.js"]
ALLOWED = {
    "analyst": ANALYST_ONLY + ANY_ROLE,
    "auditor": AUDITOR_ONLY + ANY_ROLE,
    "admin": ANALYST_ONLY + AUDITOR_ONLY + ANY_ROLE,
}
EVERY_GUARDED_PATH = ANALYST_ONLY + AUDITOR_ONLY + ANY_ROLE


@pytest.mark.parametrize("role", ["analyst", "auditor", "admin"])
@pytest.mark.parametrize("path", EVERY_GUARDED_PATH)
def test_each_role_sees_what_it_may_and_is_refused_the_rest(client, role, path):
    response = client.get(path, headers=auth(role))
    if path in ALLOWED[role]:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": f"the {role} role may not see this"}


@pytest.mark.parametrize("path", EVERY_GUARDED_PATH)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {next(iter(TOKENS))}"},
        {"Authorization": f"Bearer {next(iter(TOKENS))}x"},
        {"Authorization": f"Bearer {next(iter(TOKENS))[:-1]}"},
    ],
    ids=["none", "unknown", "empty", "basic-scheme", "longer", "prefix"],
)
def test_without_a_valid_token_nothing_but_health_answers(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "sla" not in response.json() and "events" not in response.json()


def test_health_and_the_dashboard_page_and_assets_are_open(client):
    assert client.get("/health").json() == {"status": "ok"}
    for path in ("/", f"/case/{CASE}", "/static/app.js", "/static/chart.js", "/static/style.css"):
        assert client.get(path).status_code == 200, path
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert CASE not in page.text  # the page holds no data: it fetches it with a token


def test_whoami_names_the_role_of_the_token(client):
    for token, role in TOKENS.items():
        response = client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.json() == {"role": role}


def test_a_server_without_tokens_refuses_everyone(sample_data_dir):
    settings = web_settings(sample_data_dir).model_copy(update={"api_tokens": {}})
    with TestClient(create_app(settings)) as bare:
        assert bare.get("/api/sla", headers=auth("admin")).status_code == 401
        assert bare.get("/health").status_code == 200


def test_tokens_are_never_logged_or_echoed(client, caplog):
    caplog.set_level(logging.DEBUG)
    token = next(iter(TOKENS))
    responses = [
        client.get("/api/sla", headers={"Authorization": f"Bearer {token}"}),
        client.get("/api/rejected", headers={"Authorization": f"Bearer {token}"}),
        client.get("/api/sla", headers={"Authorization": f"Bearer {token}zz"}),
    ]
    assert all(token not in response.text for response in responses)
    assert token not in caplog.text
    assert token not in repr(web_settings(Path("var")))


# ---- what it answers ---------------------------------------------------------------------


def test_sla_as_of_the_sample_end_is_the_contract_report(client):
    response = client.get(f"/api/sla?as_of={GOLDEN['as_of']}", headers=auth("analyst"))
    body = response.json()
    assert body.pop("as_of") == GOLDEN["as_of"]
    assert body.pop("page") == {"limit": 100, "next": None}  # the sample's 39 cases fit
    assert body == GOLDEN["sla"]
    assert round(body["total"]["compliance"] * 100, 1) == 87.2


def test_sla_without_as_of_answers_for_now(client):
    body = client.get("/api/sla", headers=auth("admin")).json()
    assert body["as_of"] == "2026-11-01T00:00:00Z"
    assert body["total"] == GOLDEN["sla"]["total"]


def test_sla_travels_back_in_time(client):
    early = client.get("/api/sla?as_of=2026-09-02T09:00:00Z", headers=auth("analyst")).json()
    assert [c["case_id"] for c in early["cases"]] == ["C-7-000014", "C-7-000012"]
    assert early["total"]["opened"] == 2
    assert all(c["opened_at"] <= "2026-09-02T09:00:00Z" for c in early["cases"])
    naive = client.get("/api/sla?as_of=2026-09-02T09:00:00", headers=auth("analyst")).json()
    assert naive == early  # a naive instant is taken as UTC, like the CLI does


@pytest.mark.parametrize(
    "as_of",
    [
        "yesterday",
        "0001-01-01T00:30:00%2B01:00",  # no UTC equivalent (before year 1)
        "9999-12-31T23:59:59-05:00",  # no UTC equivalent (after year 9999)
    ],
)
def test_an_unreadable_instant_is_a_422_not_a_500(client, as_of):
    response = client.get(f"/api/sla?as_of={as_of}", headers=auth("analyst"))
    assert response.status_code == 422
    assert "RFC 3339" in response.json()["detail"]


def test_a_timeline_reaching_before_year_1_is_a_422_not_a_500(client):
    path = "/api/sla/timeline?end=0001-01-05T00:00:00Z&days="
    assert client.get(path + "5", headers=auth("analyst")).status_code == 200
    response = client.get(path + "6", headers=auth("analyst"))
    assert response.status_code == 422
    assert "before year 1" in response.json()["detail"]


def test_timeline_is_the_sla_report_at_each_daily_instant(client):
    body = client.get(
        "/api/sla/timeline?days=40&end=2026-10-05T00:00:00Z", headers=auth("analyst")
    ).json()
    points = body["points"]
    assert len(points) == 40 and body["days"] == 40
    assert [p["as_of"] for p in points[-2:]] == ["2026-10-04T00:00:00Z", "2026-10-05T00:00:00Z"]
    assert points[-1]["total"] == GOLDEN["sla"]["total"]
    assert points[0]["total"]["opened"] == 0 and points[0]["total"]["compliance"] is None
    for point in (points[10], points[25]):
        then = client.get(f"/api/sla?as_of={point['as_of']}", headers=auth("analyst")).json()
        assert point["total"] == then["total"]
        assert point["by_severity"] == {k: v["compliance"] for k, v in then["by_severity"].items()}
    opened = [p["total"]["opened"] for p in points]
    assert opened == sorted(opened)  # cases only ever appear


def test_timeline_defaults_to_thirty_days_ending_now_and_bounds_days(client):
    body = client.get("/api/sla/timeline", headers=auth("analyst")).json()
    assert len(body["points"]) == 30 and body["end"] == "2026-11-01T00:00:00Z"
    for days in (0, 367, "x"):
        response = client.get(f"/api/sla/timeline?days={days}", headers=auth("analyst"))
        assert response.status_code == 422


def test_a_case_audit_holds_its_full_history_severity_changes_and_verification(client):
    body = client.get(f"/api/cases/{CASE}/audit", headers=auth("auditor")).json()
    assert body["case_id"] == CASE and body["as_of"] is None
    assert [e["version"] for e in body["events"]] == list(range(1, len(body["events"]) + 1))
    assert body["events"][0]["type"] == "Opened"
    assert body["severity_changes"] == GOLDEN["audit"][CASE]["severity_changes"]
    assert body["sla"]["case_id"] == CASE
    assert body["verification"] == {
        "events": len(body["events"]),
        "chain": "intact",
        "chain_break": None,
        "severity_changes": "valid",
        "severity_problems": [],
        "verdict": "ok",
    }


def test_every_case_of_the_sample_verifies(client, sample_data_dir):
    for case in GOLDEN["sla"]["cases"]:
        body = client.get(f"/api/cases/{case['case_id']}/audit", headers=auth("admin")).json()
        assert body["verification"]["verdict"] == "ok", case["case_id"]
        assert body["sla"] == case


def test_a_case_audit_as_of_shows_only_what_was_known_then(client):
    full = client.get(f"/api/cases/{CASE}/audit", headers=auth("auditor")).json()
    cut = full["events"][1]["at"]
    then = client.get(f"/api/cases/{CASE}/audit?as_of={cut}", headers=auth("auditor")).json()
    assert then["as_of"] == cut
    assert then["events"] == [e for e in full["events"] if e["at"] <= cut]
    assert len(then["events"]) < len(full["events"])


def test_an_unknown_case_is_404_and_a_malformed_id_422(client):
    assert client.get("/api/cases/C-nope/audit", headers=auth("auditor")).status_code == 404
    malformed = client.get("/api/cases/C%20bad%3Cscript%3E/audit", headers=auth("auditor"))
    assert malformed.status_code == 422


def test_a_case_missing_from_the_event_store_is_not_verified(tmp_path):
    fill_data_dir(web_settings(tmp_path), with_event_store=False)
    with TestClient(create_app(web_settings(tmp_path))) as views_only:
        body = views_only.get(f"/api/cases/{CASE}/audit", headers=auth("auditor")).json()
    assert body["events"]  # the views know the case ...
    assert body["verification"]["events"] == 0
    assert body["verification"]["verdict"] == "missing"  # ... but nothing vouches for it


def test_rejected_lists_every_rejection_in_arrival_order_with_its_reason(client):
    body = client.get("/api/rejected", headers=auth("auditor")).json()
    assert body["count"] == len(GOLDEN["rejected"]) == 9
    assert [r["reason"] for r in body["rejected"]] == [r["reason"] for r in GOLDEN["rejected"]]
    assert [r.get("message_id") for r in body["rejected"]] == [
        r.get("message_id") for r in GOLDEN["rejected"]
    ]
    assert all(r["detail"] for r in body["rejected"])


@pytest.mark.parametrize("path", OPEN)
def test_the_description_and_its_page_are_open_for_a_browser(client, path):
    assert client.get(path).status_code == 200


def test_docs_load_swagger_ui_from_this_server_only(client):
    page = client.get("/docs")
    assert "Casebook API" in page.text and "cdn." not in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "http" not in policy
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_openapi_describes_every_endpoint_and_the_bearer_scheme(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/health",
        "/api/whoami",
        "/api/sla",
        "/api/sla/timeline",
        "/api/cases/{case_id}/audit",
        "/api/rejected",
    }
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert ok.get("$ref", "").startswith("#/components/schemas/"), path
            for code, answer in operation["responses"].items():
                if code.startswith("4"):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }, (path, code)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    parameters = schema["paths"]["/api/sla"]["get"]["parameters"]
    as_of = next(p for p in parameters if p["name"] == "as_of")
    assert {"type": "string", "format": "date-time"} in as_of["schema"]["anyOf"]
