"""`casebook broker start|status|stop` as a user runs them: separate processes, a daemon."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kafka import KafkaAdminClient

# Ports of their own, so this test neither collides with the session broker nor with a
# developer's broker on the default ports.
PORT, CONTROLLER_PORT = 29192, 29193


def casebook(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return casebook_on(data_dir, PORT, CONTROLLER_PORT, *arguments)


def casebook_on(
    data_dir: Path, port: int, controller_port: int, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """`casebook <arguments>` with this data dir and local broker ports."""
    env = {
        **os.environ,
        "CASEBOOK_DATA_DIR": str(data_dir),
        "CASEBOOK_KAFKA_PORT": str(port),
        "CASEBOOK_KAFKA_CONTROLLER_PORT": str(controller_port),
    }
    code = "import sys; from casebook.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_broker_outlives_start_answers_status_and_stops(tmp_path: Path) -> None:
    cache = Path(__file__).resolve().parents[2] / "var" / "cache"
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "cache").symlink_to(cache)  # reuse the downloaded jars
    try:
        started = casebook(data_dir, "broker", "start")
        assert started.returncode == 0, started.stderr
        assert started.stdout.splitlines()[-1] == f"127.0.0.1:{PORT}"

        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{PORT}")
        assert admin.describe_cluster()["brokers"]
        admin.close()
        assert casebook(data_dir, "broker", "status").returncode == 0

        again = casebook(data_dir, "broker", "start")
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[-1] == f"127.0.0.1:{PORT}"
    finally:
        stopped = casebook(data_dir, "broker", "stop")
    assert stopped.stdout.strip() == "broker stopped"
    status = casebook(data_dir, "broker", "status")
    assert (status.returncode, status.stdout.strip()) == (1, "broker not running")
