"""Security: the engine end to end over SASL (PLAIN and SCRAM-SHA-256) on a real broker.

A dedicated broker with a SASL_PLAINTEXT listener on loopback (PLAINTEXT stays the
inter-broker listener). Every client (admin, producer, consumers) takes its connection
settings from `Settings.kafka_client_config()`: the sample runs through publish, all
roles and the views; a wrong password fails with a clear error; the password never shows
in the output, the logs or `repr(Settings)`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from casebook.settings import Settings
from infra.kafka.broker import LocalBroker
from tests.conftest import CACHE_DIR, TEST_DATA_DIR
from tests.faults.conftest import SASL_KAFKA_PORT, fresh_dir
from tests.integration.engine_support import (
    SAMPLES,
    assert_views_equal_replay,
    publish,
    replay_file,
    run_casebook,
    run_until_idle,
)

USER = "casebook-app"
PASSWORD = f"pw-{secrets.token_hex(12)}"
SAMPLE = SAMPLES / "history-small.jsonl"


@pytest.fixture(scope="module")
def sasl_broker() -> Iterator[LocalBroker]:
    stale = TEST_DATA_DIR / "faults" / "sasl-broker"
    LocalBroker(stale, SASL_KAFKA_PORT, SASL_KAFKA_PORT + 1, CACHE_DIR).stop()
    broker = LocalBroker(
        fresh_dir("sasl-broker"),
        SASL_KAFKA_PORT,
        SASL_KAFKA_PORT + 1,
        CACHE_DIR,
        sasl_port=SASL_KAFKA_PORT + 2,
        sasl_users={USER: PASSWORD},
    )
    broker.start(timeout=90)
    try:
        yield broker
    finally:
        broker.stop()


def sasl_settings(
    factory: Callable[..., Settings], broker: LocalBroker, mechanism: str, password: str = PASSWORD
) -> Settings:
    return factory(
        kafka=False,
        kafka_bootstrap=broker.sasl_bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username=USER,
        kafka_sasl_password=password,
        partitions=3,
    )


def assert_no_password(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert "wrong-" + PASSWORD not in text


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_the_sample_runs_end_to_end_over_sasl(
    mechanism: str, sasl_broker: LocalBroker, settings_factory: Callable[..., Settings]
) -> None:
    settings = sasl_settings(settings_factory, sasl_broker, mechanism)
    assert_no_password(repr(settings), str(settings), str(settings.model_dump()))
    publish(settings, SAMPLE)
    done = run_until_idle(settings)
    assert_views_equal_replay(settings, replay_file(SAMPLE))
    logs = [p.read_text(errors="replace") for p in Path(settings.data_dir).rglob("*.log")]
    assert_no_password(done.stdout, done.stderr, *logs)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_a_wrong_password_fails_clearly_without_showing_it(
    mechanism: str,
    sasl_broker: LocalBroker,
    settings_factory: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    settings = sasl_settings(settings_factory, sasl_broker, mechanism, "wrong-" + PASSWORD)
    sample = tmp_path / "one.jsonl"
    sample.write_bytes(SAMPLE.read_bytes().splitlines(keepends=True)[0])
    for arguments in (("publish", str(sample)), ("run", "--until-idle")):
        done = run_casebook(settings, *arguments)
        print(arguments[0], done.returncode, done.stderr.strip().splitlines()[-1:])
        assert done.returncode != 0
        assert "refused the credentials" in done.stderr
        assert f"SASL {mechanism} as '{USER}'" in done.stderr
        assert_no_password(done.stdout, done.stderr)
