"""The operations interfaces with the real clients operators run: Debian's Prometheus
scrapes a running engine (a process per role) through the sample and its HTTP API sees the
decisions, the lag going to 0 and the shipped dead-letter alert firing; `/readyz` of each
role process; `casebook status` against what the views and topics hold; JSON log lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casebook.settings import Settings
from consumers.view_store import ViewStore
from tests.faults.conftest import wait_for
from tests.integration.engine_support import SAMPLES, EngineProcess, casebook_json, publish
from tests.integration.operations_support import PROCESSES, free_port_base, get, running_prometheus
from tests.unit.test_verification import export_of

SAMPLE_REJECTED = 9
"""Rejections in the sample's golden report."""


def ready(base: int) -> dict[str, int]:
    return {role: get(f"http://127.0.0.1:{base + n}/readyz")[0] for n, role in enumerate(PROCESSES)}


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_prometheus_scrapes_every_role_through_the_sample(
    settings_factory: Callable[..., Settings], tmp_path: Path, store: str
) -> None:
    base = free_port_base()
    settings = settings_factory(store, metrics_port=base, log_format="json")
    targets = [f"127.0.0.1:{base + n}" for n in range(len(PROCESSES))]
    with running_prometheus(tmp_path, targets) as prometheus:
        engine = EngineProcess(settings, tmp_path / "engine.log")
        try:
            wait_for(
                lambda: prometheus.targets_up() == 3,
                timeout_s=90,
                what="3 targets up",
                engines=(engine,),
            )
            wait_for(
                lambda: set(ready(base).values()) == {200},
                timeout_s=60,
                what="roles ready",
                engines=(engine,),
            )
            for n in range(len(PROCESSES)):
                assert get(f"http://127.0.0.1:{base + n}/healthz")[0] == 200
            sent = publish(settings, SAMPLES / "history-small.jsonl")
            assert sent == 251

            def decided() -> float | None:
                return prometheus.value("sum(casebook_intake_messages_decided_total)")

            wait_for(
                lambda: decided() == sent,
                timeout_s=90,
                what="every message decided",
                engines=(engine,),
            )
            assert (
                prometheus.value('sum(casebook_intake_messages_decided_total{outcome="rejected"})')
                == SAMPLE_REJECTED
            )
            views = ViewStore(settings.stores())
            try:
                every = {"events": len(export_of()), "rejected": SAMPLE_REJECTED}
                wait_for(  # every event too: the rejections may land before the last events
                    lambda: {k: views.counts()[k] for k in every} == every,
                    timeout_s=60,
                    what="views",
                    engines=(engine,),
                )
                counts = views.counts()

                def applied(kind: str) -> float | None:
                    return prometheus.value(
                        f'sum(casebook_view_events_applied_total{{kind="{kind}"}})'
                    )

                wait_for(
                    lambda: (
                        (applied("events"), applied("rejections"))
                        == (counts["events"], counts["rejected"])
                    ),
                    timeout_s=30,
                    what="view rows counted",
                )
                relayed = 'sum(casebook_relay_records_published_total{outbox="casebook-relay"})'
                wanted = counts["events"] + counts["rejected"]
                wait_for(lambda: prometheus.value(relayed) == wanted, timeout_s=30, what="relayed")
                lags = 'sum(casebook_consumer_lag_records{role=~"intake|projections"})'
                wait_for(lambda: prometheus.value(lags) == 0, timeout_s=30, what="lag 0")
                assert prometheus.value('count(casebook_consumer_lag_records{role="intake"})') == 6
                assert prometheus.value("min(casebook_role_ready)") == 1
                assert prometheus.value('max(casebook_relay_elected{outbox="casebook-relay"})') == 1
                assert (
                    prometheus.value(
                        'count(casebook_batch_duration_seconds_count{role="intake"} > 0)'
                    )
                    == 1
                )
                # The shipped alert rules are loaded and the dead-letter one sees the rejections.
                wait_for(
                    lambda: prometheus.query('ALERTS{alertname="CasebookDeadLetters"}') != [],
                    timeout_s=30,
                    what="the dead-letter alert",
                )

                status = casebook_json(settings, "status")
                now = datetime.now(UTC)
                open_breaches = sum(
                    1
                    for row in views.sla_rows()
                    if row.first_response_at is None and row.closed_at is None and row.due_at < now
                )
            finally:
                views.close()
            roles = {role["role"]: role for role in status["roles"]}
            assert set(roles) == {"intake", "relay", "projections", "warnings-relay"}
            for role in roles.values():
                assert (role["instances"], role["lag"], role["state"]) == (1, 0, "Stable"), role
            assert roles["relay"]["elected"].startswith(settings.topic("casebook-relay") + "@")
            assert roles["warnings-relay"]["elected"].startswith(
                settings.topic("casebook-warnings-relay") + "@"
            )
            assert roles["intake"]["last_commit_age_s"] < 120
            assert status["dead_letters_last_hour"] == SAMPLE_REJECTED
            assert status["breaches_open"] == open_breaches
        finally:
            assert engine.stop() == 0
    lines = engine.log().splitlines()
    logged = [json.loads(line) for line in lines if not line.startswith("casebook: ")]
    assert len(logged) > 10
    assert {record["role"] for record in logged} <= {"supervisor", "warnings-relay", *PROCESSES}
    readiness = [r for r in logged if r.get("event") == "role_readiness" and r["ready"]]
    assert {r["role"] for r in readiness} >= {"intake", "relay", "projections", "warnings-relay"}
