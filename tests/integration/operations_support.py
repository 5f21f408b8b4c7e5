"""Real Prometheus (Debian's, installed by the bootstrap) for the operations tests, and free
ports for the engine's operations endpoints."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

PROCESSES = ("intake", "relay", "projections")


def free_port_base(count: int = 5) -> int:
    """A port with `count` free ports from it on (the engine's base + role offsets)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count < 65535 and all(_free(base + n) for n in range(count)):
            return base
    raise RuntimeError("no run of free ports found")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """Status and body of a GET; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)


class Prometheus:
    """A running Prometheus; `query` is its HTTP API's instant query."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def query(self, promql: str) -> list[dict[str, Any]]:
        status, body = get(f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
        assert status == 200, body
        answer = json.loads(body)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]  # type: ignore[no-any-return]

    def value(self, promql: str) -> float | None:
        """The single value of a query (None: no series)."""
        result = self.query(promql)
        return None if not result else float(result[0]["value"][1])

    def targets_up(self) -> int:
        return int(self.value('sum(up{job="casebook"})') or 0)


@contextmanager
def running_prometheus(directory: Path, targets: Sequence[str]) -> Iterator[Prometheus]:
    """Prometheus scraping `targets` every second, with the shipped alert rules loaded."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus missing: ./scripts/bootstrap.sh installs Debian's"
    rules = Path(__file__).resolve().parents[2] / "infra" / "deploy" / "prometheus"
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules / "casebook.rules.yml")],
        "scrape_configs": [
            {
                "job_name": "casebook",
                "scrape_timeout": "1s",
                "static_configs": [{"targets": list(targets)}],
            }
        ],
    }
    (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port_base(1)
    log = directory / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"{url}/-/ready")[0] != 200:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "prometheus not ready in 60 s"
            time.sleep(0.2)
        yield Prometheus(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
