"""`casebook serve` as a real subprocess on a free port, for tests that need a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.process import free_port
from tests.web.support import TOKENS


def get_json(url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
        return json.load(r)


def wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"casebook serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if get_json(f"{base}/health") == {"status": "ok"}:
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"casebook serve did not answer /health in 30 s:\n{log.read_text()}")


@contextmanager
def serving(data_dir: Path, **env: str) -> Iterator[tuple[str, Path]]:
    """(base URL, log file) of `casebook serve` over `data_dir`, with extra settings `env`."""
    port = free_port()
    environment = {
        **os.environ,
        "CASEBOOK_DATA_DIR": str(data_dir),
        "CASEBOOK_STORE": "sqlite",
        "CASEBOOK_API_TOKENS": json.dumps(TOKENS),
        **env,
    }
    command = [str(Path(sys.executable).parent / "casebook"), "serve", "--port", str(port)]
    log = data_dir / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, process, log)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
