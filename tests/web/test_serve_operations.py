"""`casebook serve` has its operations port too (base + 3): metrics, liveness, and a
readiness that says whether the views answer; its log lines follow CASEBOOK_LOG_FORMAT."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.integration.operations_support import free_port_base, get
from tests.web.served import serving
from tests.web.support import TOKENS


def test_serve_answers_on_its_operations_port(tmp_path: Path) -> None:
    base = free_port_base()
    with serving(tmp_path, CASEBOOK_METRICS_PORT=str(base), CASEBOOK_LOG_FORMAT="json") as (
        url,
        log,
    ):
        token = next(iter(TOKENS))
        request = urllib.request.Request(
            f"{url}/api/sla", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert get(f"http://127.0.0.1:{base + 3}/healthz")[0] == 200
        status, body = get(f"http://127.0.0.1:{base + 3}/readyz")
        assert (status, json.loads(body)) == (200, {"problems": {}, "status": "ready"})
        status, body = get(f"http://127.0.0.1:{base + 3}/metrics")
        assert status == 200 and "# TYPE casebook_role_ready gauge" in body
    lines = log.read_text().splitlines()
    assert (
        f"casebook: serve metrics on http://127.0.0.1:{base + 3}/metrics (probes: /healthz, /readyz)"
        in lines
    )
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and {record["role"] for record in records} == {"serve"}
    assert any("GET /api/sla" in record["message"] for record in records)
    assert not any(token in line for line in lines for token in TOKENS)


def test_serve_is_not_ready_while_its_views_cannot_be_read(tmp_path: Path) -> None:
    base = free_port_base()
    unreachable = {
        "CASEBOOK_METRICS_PORT": str(base),
        "CASEBOOK_STORE": "postgres",
        "CASEBOOK_POSTGRES_PORT": "1",
    }
    with serving(tmp_path, **unreachable):
        status, body = get(f"http://127.0.0.1:{base + 3}/readyz", timeout=30)
        assert status == 503
        problem = json.loads(body)["problems"]["serve"]
        assert problem.startswith("the views cannot be read: OperationalError")
        assert get(f"http://127.0.0.1:{base + 3}/healthz")[0] == 200
