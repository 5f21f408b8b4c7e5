"""Which engine `casebook run` builds: a process per role unless told otherwise, or one role."""

from __future__ import annotations

from typing import Any

import pytest

import casebook.role_processes as role_processes
from casebook.settings import Settings


class Built:
    def __init__(self, kind: str, settings: Settings, roles: Any) -> None:
        self.kind, self.roles = kind, tuple(roles)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(role_processes, "Engine", lambda s, r: Built("threads", s, r))
    monkeypatch.setattr(role_processes, "RoleProcesses", lambda s, r: Built("processes", s, r))


@pytest.mark.usefixtures("built")
@pytest.mark.parametrize(
    ("env", "roles", "kind"),
    [
        ({}, ("intake", "relay", "projections"), "processes"),
        ({"CASEBOOK_PROCESS_PER_ROLE": "false"}, ("intake", "relay", "projections"), "threads"),
        ({"CASEBOOK_PROCESS_PER_ROLE": "0"}, ("intake", "relay"), "threads"),
        ({}, ("relay",), "threads"),  # one role: no supervisor, it runs in this process
    ],
)
def test_engine_for(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], roles: tuple[str, ...], kind: str
) -> None:
    monkeypatch.delenv("CASEBOOK_PROCESS_PER_ROLE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    engine = role_processes.engine_for(Settings(), roles)
    assert isinstance(engine, Built)
    assert (engine.kind, engine.roles) == (kind, roles)
