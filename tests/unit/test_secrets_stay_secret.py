"""No secret the process is given (an API token, a source secret, the SASL password, the
PostgreSQL password) appears in a log line (text or JSON, in the message, its arguments,
an exception or an extra field), in the settings dump, a settings repr or an error."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from casebook.cli import main
from casebook.logs import configure_logging
from casebook.settings import Settings

TOKEN = "tok-7d1e9b3a5c2f4e6d8a0b1c3e5f7a9b2d"
SOURCE_SECRET = 'src-"quoted"\\-4b6d8f0a2c4e6f8a0b2d4f6a8c'
SASL_PASSWORD = "sasl-pw-5e3c1a9f7d"
POSTGRES_PASSWORD = "pg-pw-8c6a4e2f0b"

SECRETS = {
    "CASEBOOK_API_TOKENS": (TOKEN, json.dumps({TOKEN: "auditor"})),
    "CASEBOOK_INTAKE_SOURCES": (
        SOURCE_SECRET,
        json.dumps({"crm": {"secrets": [SOURCE_SECRET], "roles": ["customer"]}}),
    ),
    "CASEBOOK_KAFKA_SASL_PASSWORD": (SASL_PASSWORD, SASL_PASSWORD),
    "CASEBOOK_POSTGRES_PASSWORD": (POSTGRES_PASSWORD, POSTGRES_PASSWORD),
}


@pytest.fixture(params=sorted(SECRETS))
def secret(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = request.param
    value, setting = SECRETS[name]
    monkeypatch.setenv(name, setting)
    if name == "CASEBOOK_KAFKA_SASL_PASSWORD":
        monkeypatch.setenv("CASEBOOK_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
        monkeypatch.setenv("CASEBOOK_KAFKA_SASL_MECHANISM", "PLAIN")
        monkeypatch.setenv("CASEBOOK_KAFKA_SASL_USERNAME", "casebook")
    yield value
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)


def forms(secret: str) -> list[str]:
    """The secret as written, and as it would appear inside a JSON string."""
    return [secret, json.dumps(secret)[1:-1]]


def assert_absent(secret: str, text: str) -> None:
    for form in forms(secret):
        assert form not in text


def test_the_settings_dump_masks_it(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 0
    assert main(["settings", "--json"]) == 0
    out = capsys.readouterr().out
    assert "CASEBOOK_KAFKA_BOOTSTRAP=" in out and '"CASEBOOK_KAFKA_BOOTSTRAP"' in out
    assert_absent(secret, out)
    settings = Settings()
    assert secret in settings.secret_values()
    assert_absent(secret, repr(settings) + str(settings))


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_log_line_shows_it(
    secret: str, log_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings()
    configure_logging(log_format, "intake", settings.secret_values())  # type: ignore[arg-type]
    log = logging.getLogger("casebook.test")
    log.warning("connecting with %s", secret)
    log.info(f"a library formatting it in: {secret}", extra={"event": "leak", "field": secret})
    try:
        raise ConnectionError(f"refused for password {secret}")
    except ConnectionError:
        log.exception("connection failed")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) >= 3 and "[redacted]" in err
    assert_absent(secret, err)
    if log_format == "json":
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert [r["role"] for r in records] == ["intake"] * 3
        assert {"time", "level", "role", "event", "logger", "message"} <= set(records[0])
        assert records[1]["event"] == "leak" and records[1]["field"] == "[redacted]"
        assert records[2]["exc_info"].endswith("ConnectionError: refused for password [redacted]")
    else:
        assert " WARNING [intake] casebook.test: connecting with [redacted]" in lines[0]


def test_a_settings_error_does_not_show_it(
    secret: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEBOOK_METRICS_PORT", "not-a-port")
    assert main(["settings"]) == 2
    err = capsys.readouterr().err
    assert "CASEBOOK_METRICS_PORT: Input should be a valid integer" in err
    assert_absent(secret, err)


def test_short_values_are_not_blanked_out_of_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("text", "relay", ["ab", "casebook-long-secret"])
    logging.getLogger("casebook.test").info("ab cd casebook-long-secret")
    err = capsys.readouterr().err
    assert "ab cd [redacted]" in err
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)
