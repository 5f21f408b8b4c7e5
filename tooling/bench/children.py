"""Starting the bench's child processes with the settings of one phase in their environment."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from casebook.settings import Settings


class BenchError(RuntimeError):
    """A measured piece of work failed; the message holds the tail of its log."""


def child_env(settings: Settings) -> dict[str, str]:
    """The parent's environment with this phase's data dir, broker, prefix and store."""
    env = dict(os.environ)
    env.update(
        {
            "CASEBOOK_DATA_DIR": str(Path(settings.data_dir).resolve()),
            "CASEBOOK_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "CASEBOOK_TOPIC_PREFIX": settings.topic_prefix,
            "CASEBOOK_PARTITIONS": str(settings.partitions),
            "CASEBOOK_BATCH_SIZE": str(settings.batch_size),
            "CASEBOOK_STORE": settings.store,
        }
    )
    if settings.store == "postgres":
        env.update(
            {
                "CASEBOOK_POSTGRES_HOST": settings.postgres_host,
                "CASEBOOK_POSTGRES_PORT": str(settings.postgres_port),
                "CASEBOOK_POSTGRES_USER": settings.postgres_user,
                "CASEBOOK_POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
                "CASEBOOK_POSTGRES_DBNAME": settings.postgres_dbname,
            }
        )
    if settings.policy_file is not None:
        env["CASEBOOK_POLICY_FILE"] = str(Path(settings.policy_file).resolve())
    return env


def run_child(
    mode: str, settings: Settings, *arguments: str, timeout: float = 3600.0
) -> dict[str, Any]:
    """Run `tooling.bench.child MODE` to its end and return what it printed."""
    log_path = Path(settings.data_dir) / f"{mode}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tooling.bench.child", mode, *arguments]
    with log_path.open("ab") as log:
        done = subprocess.run(
            command,
            env=child_env(settings),
            stdout=subprocess.PIPE,
            stderr=log,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise BenchError(f"{mode} exited with {done.returncode}:\n{tail(log_path)}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


def start_engine(settings: Settings) -> subprocess.Popen[bytes]:
    """`casebook run` (every role, until stopped) in the background, logging to the data dir."""
    log_path = Path(settings.data_dir) / "engine.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "casebook.cli", "run"],
            env=child_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # it and its role processes: one group to kill if need be
        )


def stop_engine(process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """SIGTERM (the engine finishes its step and closes), SIGKILL if it does not."""
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
