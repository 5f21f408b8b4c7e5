"""What `infra/deploy` ships is what an operator can load: Prometheus accepts the scrape
config and the alert rules (`promtool`, Debian's, installed by the bootstrap), each alert
fires on the series it is for (`promtool test rules`), the dashboard's queries are valid
PromQL over metrics Casebook exports, and the systemd units run every role."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from casebook.settings import Settings
from casebook.wiring import ROLES
from consumers.metrics import REGISTRY

DEPLOY = Path(__file__).resolve().parents[2] / "infra" / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
METRIC = re.compile(r"\b(casebook_[a-z_]+)")
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_created")


def promtool(*arguments: str | Path, cwd: Path = PROMETHEUS) -> str:
    tool = shutil.which("promtool")
    assert tool, "promtool missing: ./scripts/bootstrap.sh installs Debian's prometheus"
    result = subprocess.run(
        [tool, *map(str, arguments)], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def exported_names() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "casebook-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_queries() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS / "casebook.rules.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_prometheus_accepts_the_scrape_config_and_the_rules() -> None:
    assert "SUCCESS: 7 rules found" in promtool("check", "rules", "casebook.rules.yml")
    assert "valid prometheus config" in promtool("check", "config", "prometheus.yml")


def test_each_alert_fires_on_its_series_and_not_on_the_healthy_ones() -> None:
    assert "SUCCESS" in promtool("test", "rules", "casebook.rules.test.yml")


def test_every_alert_has_a_unit_test() -> None:
    tests = (PROMETHEUS / "casebook.rules.test.yml").read_text()
    rules = yaml.safe_load((PROMETHEUS / "casebook.rules.yml").read_text())
    untested = [
        rule["alert"]
        for group in rules["groups"]
        for rule in group["rules"]
        if f"alertname: {rule['alert']}" not in tests
    ]
    assert untested == []


def test_the_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    queries = dashboard_queries()
    assert len(queries) >= 12
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": q} for n, q in enumerate(queries)
                ],
            }
        ]
    }
    (tmp_path / "dashboard.rules.yml").write_text(yaml.safe_dump(rules))
    assert f"SUCCESS: {len(queries)} rules found" in promtool(
        "check", "rules", "dashboard.rules.yml", cwd=tmp_path
    )


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_every_metric_queried_is_one_casebook_exports(source: str) -> None:
    queries = dashboard_queries() if source == "dashboard" else alert_queries()
    used = {name for query in queries for name in METRIC.findall(query)}
    assert used, "no Casebook metric queried"
    assert used - exported_names() == set()


def test_the_dashboard_shows_every_metric_casebook_exports() -> None:
    used = {name for query in dashboard_queries() for name in METRIC.findall(query)}
    families = {family.name for family in REGISTRY.collect()}
    shown = {family for family in families if any(n.startswith(family) for n in used)}
    assert families - shown == set()


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_the_systemd_units_run_each_role_in_a_process_restarted_on_failure() -> None:
    role = unit("casebook-role@.service")
    api = unit("casebook-api.service")
    for service, command in ((role, "casebook run --role %i"), (api, "casebook serve")):
        assert command in service["Service"]["ExecStart"]
        assert service["Service"]["Restart"] == "on-failure"
        assert service["Service"]["EnvironmentFile"] == "/etc/casebook/casebook.env"
        assert service["Install"]["WantedBy"] == "casebook.target"
    wanted = unit("casebook.target")["Unit"]["Wants"].split()
    assert wanted == [f"casebook-role@{r}.service" for r in ROLES] + ["casebook-api.service"]


def test_the_environment_example_names_only_real_settings() -> None:
    lines = (DEPLOY / "systemd" / "casebook.env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    known = {f"CASEBOOK_{field.upper()}" for field in Settings.model_fields}
    assert names and set(names) - known == set()
