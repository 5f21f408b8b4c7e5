"""Running `casebook` as a user (or an operator's supervisor) does: separate processes.

Settings become `CASEBOOK_*` environment variables; engine processes are started, waited
for, killed with SIGKILL and restarted; the views are read through the CLI or `dump()`;
the offline replay gives the answers the live engine must match.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaConsumer, TopicPartition

from analysis.replay import Replay, replay_history
from casebook.policies import load_policy
from casebook.settings import Settings
from consumers.event_store import open_case_store
from consumers.topics import Topics
from consumers.view_store import ViewStore
from domain.case import Case
from domain.ledger import DeadLetter, IntakeMessageTaken
from projections.sla import sla_report

SAMPLES = Path("/work/shared/samples")
ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a `casebook` subprocess needs to see exactly these settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CASEBOOK_")}
    env.update(
        CASEBOOK_DATA_DIR=str(settings.data_dir),
        CASEBOOK_KAFKA_BOOTSTRAP=settings.kafka_bootstrap,
        CASEBOOK_TOPIC_PREFIX=settings.topic_prefix,
        CASEBOOK_STORE=settings.store,
        CASEBOOK_PARTITIONS=str(settings.partitions),
        CASEBOOK_BATCH_SIZE=str(settings.batch_size),
        CASEBOOK_POSTGRES_HOST=settings.postgres_host,
        CASEBOOK_POSTGRES_PORT=str(settings.postgres_port),
        CASEBOOK_POSTGRES_DBNAME=settings.postgres_dbname,
        CASEBOOK_POSTGRES_USER=settings.postgres_user,
        CASEBOOK_POSTGRES_PASSWORD=settings.postgres_password.get_secret_value(),
        CASEBOOK_KAFKA_SECURITY_PROTOCOL=settings.kafka_security_protocol,
        PYTHONUNBUFFERED="1",
    )
    if settings.policy_file is not None:
        env["CASEBOOK_POLICY_FILE"] = str(settings.policy_file)
    if settings.kafka_sasl_mechanism:
        env["CASEBOOK_KAFKA_SASL_MECHANISM"] = settings.kafka_sasl_mechanism
    if settings.kafka_sasl_username is not None:
        env["CASEBOOK_KAFKA_SASL_USERNAME"] = settings.kafka_sasl_username
    if settings.kafka_sasl_password is not None:
        env["CASEBOOK_KAFKA_SASL_PASSWORD"] = settings.kafka_sasl_password.get_secret_value()
    if settings.kafka_ssl_cafile is not None:
        env["CASEBOOK_KAFKA_SSL_CAFILE"] = str(settings.kafka_ssl_cafile)
    if settings.intake_sources:
        env["CASEBOOK_INTAKE_SOURCES"] = json.dumps(
            {
                name: {
                    "secrets": [secret.get_secret_value() for secret in source.secrets],
                    "roles": source.roles,
                    "customer_ids": source.customer_ids,
                }
                for name, source in settings.intake_sources.items()
            }
        )
    env["CASEBOOK_INTAKE_AUTH"] = settings.intake_auth
    env["CASEBOOK_LOG_FORMAT"] = settings.log_format
    env["CASEBOOK_READY_MAX_LAG"] = str(settings.ready_max_lag)
    if settings.metrics_port is not None:
        env["CASEBOOK_METRICS_PORT"] = str(settings.metrics_port)
        env["CASEBOOK_METRICS_HOST"] = settings.metrics_host
    if settings.replication_factor is not None:
        env["CASEBOOK_REPLICATION_FACTOR"] = str(settings.replication_factor)
    if settings.min_insync_replicas is not None:
        env["CASEBOOK_MIN_INSYNC_REPLICAS"] = str(settings.min_insync_replicas)
    return env


def command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "casebook.cli", *arguments]


def run_casebook(
    settings: Settings, *arguments: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run one `casebook` command to completion, whatever its exit code."""
    return subprocess.run(
        command(*arguments),
        env=settings_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def casebook(
    settings: Settings, *arguments: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run one `casebook` command to completion; fails the test on a non-zero exit."""
    done = run_casebook(settings, *arguments, timeout=timeout)
    assert done.returncode == 0, (
        f"casebook {' '.join(arguments)} exited {done.returncode}:\n{done.stderr[-4000:]}"
    )
    return done


def casebook_json(settings: Settings, *arguments: str) -> Any:
    return json.loads(casebook(settings, *arguments, "--json").stdout)


def publish(settings: Settings, path: Path) -> int:
    out = casebook(settings, "publish", str(path)).stdout
    return int(out.split()[1])


def run_until_idle(settings: Settings, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return casebook(settings, "run", "--until-idle", timeout=timeout)


class EngineProcess:
    """A long-running `casebook run`, its log in a file (so a full pipe never blocks it)."""

    def __init__(self, settings: Settings, log_path: Path, *arguments: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            command("run", *arguments),
            env=settings_env(settings),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its role processes share its process group
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the engine and its role processes: no clean-up, no flush, no goodbye."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait for the engine to close its clients."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=30)
        self._log.close()
        return code


def replay_file(path: Path) -> Replay:
    with path.open("rb") as lines:
        return replay_history(lines, load_policy(), keep_audit_events=True)


def write_history(path: Path, lines: Iterable[bytes]) -> int:
    count = 0
    with path.open("wb") as out:
        for line in lines:
            out.write(line.rstrip(b"\r\n") + b"\n")
            count += 1
    return count


def dump_views(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    views = ViewStore(settings.stores())
    try:
        return views.dump()
    finally:
        views.close()


def wait_until_stable(
    read: Callable[[], Any], *, quiet_s: float, timeout_s: float, poll_s: float = 1.0
) -> Any:
    """Poll until `read()` has not changed for `quiet_s` seconds; returns the last value."""
    deadline = time.monotonic() + timeout_s
    last = read()
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(poll_s)
        current = read()
        if current != last:
            last, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return last
    raise AssertionError(f"views still changing after {timeout_s:.0f} s")


def rejected_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    """How a rejected entry is compared: readable ones by identity, unreadable ones by reason."""
    if entry.get("message_id") is None:
        return ("unreadable", entry["reason"])
    return (entry["message_id"], entry["case_id"], entry["reason"])


def rejected_multiset(entries: Iterable[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(rejected_key(entry) for entry in entries)


def read_topic(settings: Settings, topic: str, timeout_s: float = 60) -> list[Any]:
    """Every committed record of a topic, read to its end with a group-less consumer."""
    consumer = KafkaConsumer(
        **settings.kafka_client_config(),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(p) < ends[p] for p in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def topics(settings: Settings) -> Topics:
    return Topics.named(settings.kafka())


def header_map(record: Any) -> dict[str, bytes]:
    return {name: value for name, value in record.headers or []}


def assert_views_equal_replay(settings: Settings, replay: Replay) -> None:
    """The durable views answer as the offline replay does: SLA, every audit, rejections."""
    expected = replay.report()
    as_of = replay.latest_at
    assert as_of is not None
    views = ViewStore(settings.stores())
    try:
        assert sla_report(views.sla_rows(), as_of) == expected["sla"]
        for case_id, entry in expected["audit"].items():
            audit = views.case_audit(case_id)
            assert audit is not None, f"case {case_id} missing from the audit view"
            assert audit.to_report(as_of)["severity_changes"] == entry["severity_changes"], case_id
        assert set(views.case_ids()) == set(expected["audit"])
        live_rejected = [entry.to_report() for entry in views.rejected()]
    finally:
        views.close()
    assert rejected_multiset(live_rejected) == rejected_multiset(expected["rejected"])


def replay_case_events(replay: Replay) -> Counter[tuple[str, int, str]]:
    """(case, version, message id) of every case event the replay produced."""
    return Counter(
        (case_id, entry.version, entry.message_id)
        for case_id, audit in replay.audit.cases.items()
        for entry in audit.events
    )


@dataclass
class StoreContents:
    case_events: Counter[tuple[str, int, str]]
    dead_letters: int
    ledger_entries: int


def store_contents(settings: Settings) -> StoreContents:
    """Everything in the event store's notification log, counted (stop the engines first)."""
    store = open_case_store(settings.stores())
    contents = StoreContents(Counter(), 0, 0)
    try:
        start = 0
        while True:
            notifications = store.recorder.select_notifications(
                start=start, limit=5000, inclusive_of_start=False
            )
            if not notifications:
                return contents
            start = notifications[-1].id
            for notification in notifications:
                event = store.mapper.to_domain_event(notification)
                if isinstance(event, Case.Event):
                    key = (event.case_id, event.originator_version, event.message_id)
                    contents.case_events[key] += 1
                elif isinstance(event, DeadLetter.Created):
                    contents.dead_letters += 1
                elif isinstance(event, IntakeMessageTaken.Created):
                    contents.ledger_entries += 1
    finally:
        store.close()


def rejected_sources(settings: Settings) -> Counter[tuple[str, int, int]]:
    """The rejected topic's records counted by the intake record they came from."""
    return Counter(
        (
            header_map(r)["casebook.source.topic"].decode(),
            int(header_map(r)["casebook.source.partition"]),
            int(header_map(r)["casebook.source.offset"]),
        )
        for r in read_topic(settings, topics(settings).rejected)
    )


def case_event_records(settings: Settings) -> Counter[tuple[str, int]]:
    """The events topic's records counted by (case, version)."""
    return Counter(
        (header_map(r)["casebook.case_id"].decode(), int(header_map(r)["casebook.version"]))
        for r in read_topic(settings, topics(settings).events)
    )


def connect_postgres(settings: Settings) -> psycopg.Connection[Any]:
    """A direct connection to the settings' database, for tests that play the intruder."""
    return psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_dbname,
        user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value(),
    )
