"""A bad setting is named with its problem; no secret (token, password, source secret) is
ever shown, and no traceback: what `casebook` prints for each kind of mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casebook.cli import main

TOKEN = "tok-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c1e"
SECRET = "src-0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d"
SHORT = "short-secret-99"
PASSWORD = "pw-9e8d7c6b5a4f3e2d1c0b"


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"CASEBOOK_API_TOKENS": f'{{"{TOKEN}": 1}}'}, "CASEBOOK_API_TOKENS: Value error, must be"),
        ({"CASEBOOK_API_TOKENS": f'{{"{TOKEN}": "root"}}'}, "role must be one of"),
        ({"CASEBOOK_API_TOKENS": f"{TOKEN}"}, "CASEBOOK_API_TOKENS: not valid JSON"),
        (
            {
                "CASEBOOK_INTAKE_SOURCES": f'{{"p": {{"secrets": ["{SHORT}"], "roles": ["customer"]}}}}'
            },
            "CASEBOOK_INTAKE_SOURCES: Value error, every source secret must have at least 32",
        ),
        (
            {"CASEBOOK_INTAKE_SOURCES": f'{{"p": {{"secrets": ["{SECRET}"'},
            "CASEBOOK_INTAKE_SOURCES: not valid JSON",
        ),
        (
            {"CASEBOOK_INTAKE_SOURCES": f'{{"p": {{"secrets": ["{SECRET}"], "roles": ["boss"]}}}}'},
            "CASEBOOK_INTAKE_SOURCES: Input should be",
        ),
        # Another setting wrong while the secrets are set: they stay out of the message.
        (
            {
                "CASEBOOK_POSTGRES_PORT": "abc",
                "CASEBOOK_POSTGRES_PASSWORD": PASSWORD,
                "CASEBOOK_KAFKA_SASL_PASSWORD": PASSWORD,
                "CASEBOOK_API_TOKENS": f'{{"{TOKEN}": "analyst"}}',
            },
            "CASEBOOK_POSTGRES_PORT: Input should be a valid integer",
        ),
    ],
)
def test_a_bad_setting_is_named_without_its_secret(
    environment: dict[str, str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["sla"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("casebook: invalid settings: ") and named in err, err
    assert "Traceback" not in err
    for secret in (TOKEN, SECRET, SHORT, PASSWORD):
        assert secret not in out + err


def test_what_a_command_writes_is_private_to_its_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(data_dir))
    previous = os.umask(0o022)
    try:
        assert main(["sla", "--json"]) == 0
    finally:
        os.umask(previous)
    modes = {path.name: path.stat().st_mode & 0o777 for path in [data_dir, *data_dir.iterdir()]}
    assert modes["var"] == 0o700 and modes["views.sqlite"] == 0o600, modes
