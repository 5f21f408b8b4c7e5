"""End to end: `casebook serve` as a subprocess, driven by a real headless Chromium: the
dashboard's pages, and the API's own documentation (/docs: Swagger UI, authorized with a
token, running requests).

Chromium and chromedriver are Debian's (installed by `infra/browser/install-chromium.sh`
when missing); Selenium drives them through that chromedriver, never downloading one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.web.served import get_json, serving
from tests.web.support import TOKEN_OF, TOKENS, fill_data_dir, sample_report, web_settings

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "infra" / "browser" / "install-chromium.sh"
CASE = "C-7-000038"
# The closed network makes Chromium's background services fail or hang: keep them off.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]
WAIT_SECONDS = 20


def chromium_binaries() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installing Debian's packages if either is missing."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        subprocess.run(["sh", str(INSTALL_SCRIPT)], check=True, timeout=900)
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "chromium and chromedriver must be installed"
    return chromium, driver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `casebook serve` on a free port, over a data dir filled from the sample."""
    data_dir = tmp_path_factory.mktemp("served-views")
    fill_data_dir(web_settings(data_dir))
    with serving(data_dir) as (base, log):
        yield base
    served = log.read_text()
    assert "GET /api/" in served  # the access log was written ...
    assert not any(token in served for token in TOKENS)  # ... and names no token


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    chromium, chromedriver = chromium_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    try:
        yield driver
    finally:
        driver.quit()


def until(driver: WebDriver, condition: Any, what: str) -> Any:
    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=what)


def text_of(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def log_in(driver: WebDriver, base: str, token: str, path: str = "/") -> None:
    driver.get(f"{base}/")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{base}{path}")
    until(driver, lambda d: d.find_element(By.ID, "login").is_displayed(), "the login page")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()


def table_rows(driver: WebDriver, table_id: str) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_an_unknown_token_is_refused_at_login(server, browser):
    log_in(browser, server, "not-a-token")
    until(browser, lambda d: "not accepted" in text_of(d, "login-error"), "a refusal")
    assert browser.find_element(By.ID, "login").is_displayed()
    assert not browser.find_element(By.ID, "dashboard").is_displayed()


def test_an_admin_sees_compliance_the_timeline_and_the_breached_cases(server, browser):
    log_in(browser, server, TOKEN_OF["admin"])
    until(browser, lambda d: text_of(d, "total-compliance") == "87.2%", "total compliance")
    assert text_of(browser, "whoami") == "signed in as admin"
    by_severity = {row[0]: row for row in table_rows(browser, "by-severity")}
    assert by_severity["2"] == ["2", "16", "13", "3", "0", "0", "81.3%"]
    assert by_severity["Total"][1:4] == ["39", "34", "5"]

    breached = sorted(
        c["case_id"] for c in sample_report()["sla"]["cases"] if c["status"] == "breached"
    )
    at_risk = table_rows(browser, "at-risk")
    assert sorted(row[0] for row in at_risk) == breached
    assert {row[-1] for row in at_risk} == {"breached"}

    chart = until(browser, lambda d: d.find_element(By.ID, "timeline-chart"), "the chart")
    assert (
        chart.find_element(By.CSS_SELECTOR, "path.series-total").get_attribute("d").startswith("M")
    )
    dots = chart.find_elements(By.CSS_SELECTOR, "circle title")
    assert dots and "87.2%" in dots[-1].get_attribute("textContent")

    until(browser, lambda d: len(table_rows(d, "rejected")) == 9, "the rejected messages")


def test_following_a_case_link_shows_its_history_and_verification(server, browser):
    log_in(browser, server, TOKEN_OF["admin"])
    until(browser, lambda d: table_rows(d, "at-risk"), "the cases at risk")
    link = browser.find_element(By.CSS_SELECTOR, "#at-risk tbody tr a")
    case_id = link.text
    link.click()
    assert_case_page(browser, server, case_id)
    assert browser.current_url.endswith(f"#/case/{case_id}")


def test_a_case_page_opened_by_its_path(server, browser):
    log_in(browser, server, TOKEN_OF["auditor"], path=f"/case/{CASE}")
    assert_case_page(browser, server, CASE)
    browser.find_element(By.LINK_TEXT, "← Dashboard").click()
    until(browser, lambda d: "may not see" in text_of(d, "sla-status"), "the analyst-only refusal")
    assert text_of(browser, "whoami") == "signed in as auditor"


def assert_case_page(driver: WebDriver, base: str, case_id: str) -> None:
    audit = get_json(f"{base}/api/cases/{case_id}/audit", TOKEN_OF["admin"])
    until(driver, lambda d: table_rows(d, "case-events"), f"the events of {case_id}")
    assert text_of(driver, "case-title") == f"Case {case_id}"
    events = table_rows(driver, "case-events")
    assert [row[-1] for row in events] == [e["message_id"] for e in audit["events"]]
    assert [row[2] for row in events] == [e["type"] for e in audit["events"]]
    verification = text_of(driver, "verification")
    assert verification.startswith("Verification: ok")
    assert f"chain intact, {len(audit['events'])} events" in verification
    assert len(table_rows(driver, "case-severity-changes")) == len(audit["severity_changes"])


def test_an_analyst_sees_compliance_but_not_case_histories(server, browser):
    log_in(browser, server, TOKEN_OF["analyst"])
    until(browser, lambda d: text_of(d, "total-compliance") == "87.2%", "total compliance")
    until(browser, lambda d: "may not see" in text_of(d, "rejected-status"), "rejected refused")
    assert table_rows(browser, "rejected") == []
    browser.get(f"{server}/#/case/{CASE}")
    until(browser, lambda d: "may not see" in text_of(d, "case-status"), "case refused")
    assert table_rows(browser, "case-events") == []
    browser.find_element(By.ID, "logout").click()
    assert browser.execute_script("return sessionStorage.length") == 0
    assert browser.find_element(By.ID, "login").is_displayed()


def open_docs(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/")
    driver.execute_script("sessionStorage.clear(); localStorage.clear()")
    driver.get(f"{base}/docs")
    until(
        driver,
        lambda d: (
            "Casebook" in d.find_element(By.CSS_SELECTOR, ".information-container .title").text
        ),
        "Swagger UI showing the API's title",
    )


def try_whoami(driver: WebDriver) -> tuple[str, str]:
    """Run GET /api/whoami from its Swagger UI block: the status and body it shows."""
    block = driver.find_element(By.ID, "operations-operations-whoami_api_whoami_get")
    if "is-open" not in (block.get_attribute("class") or ""):
        block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    if not block.find_elements(By.CSS_SELECTOR, "button.execute"):
        until(driver, lambda d: block.find_element(By.CSS_SELECTOR, ".try-out__btn"), "Try it out")
        block.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    until(driver, lambda d: block.find_element(By.CSS_SELECTOR, "button.execute"), "Execute")
    block.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = until(
        driver,
        lambda d: (
            block.find_element(
                By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"
            ).text
        ),
        "the live response",
    )
    body = block.find_element(By.CSS_SELECTOR, ".live-responses-table .response pre").text
    return status.strip(), body


def test_docs_open_without_a_token_and_run_a_request_once_authorized(server, browser):
    open_docs(browser, server)
    status, body = try_whoami(browser)
    assert status == "401" and "token" in body.lower()  # not authorized yet: the API refuses

    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    modal = until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".modal-ux"), "the modal")
    modal.find_element(By.CSS_SELECTOR, "input").send_keys(TOKEN_OF["auditor"])
    modal.find_element(By.CSS_SELECTOR, "button.modal-btn.auth.authorize").click()
    until(browser, lambda d: modal.find_element(By.CSS_SELECTOR, "button.btn-done"), "Close")
    modal.find_element(By.CSS_SELECTOR, "button.btn-done").click()

    status, body = try_whoami(browser)
    assert status == "200"
    assert json.loads(body) == {"role": "auditor"}
    assets = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert assets and all(name.startswith(server) for name in assets)  # nothing from a CDN


def test_the_dashboard_shows_the_business_hours_metrics(browser, tmp_path_factory):
    """SLA v2: under a policy with targets the dashboard adds each metric's table."""
    from tests.web.test_api_metrics import EXAMPLE, filled

    data_dir = tmp_path_factory.mktemp("business-views")
    filled(data_dir)
    with serving(data_dir, CASEBOOK_POLICY_FILE=str(EXAMPLE)) as (base, _):
        report = get_json(f"{base}/api/sla?limit=1", TOKEN_OF["analyst"])
        log_in(browser, base, TOKEN_OF["analyst"])
        until(
            browser, lambda d: d.find_element(By.ID, "metric-resolution").is_displayed(), "metrics"
        )
        for metric in ("next_response", "resolution"):
            rows = [
                [cell.text for cell in tr.find_elements(By.TAG_NAME, "td")]
                for tr in browser.find_elements(By.CSS_SELECTOR, f"#metric-{metric} tbody tr")
            ]
            total = report["metrics"][metric]["total"]
            assert rows[-1][0] == "Total" and rows[-1][1:3] == [
                str(total["met"]),
                str(total["breached"]),
            ]
            assert len(rows) == 5
