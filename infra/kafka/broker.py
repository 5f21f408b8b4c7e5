"""Run one local Apache Kafka broker (KRaft, broker and controller in one JVM).

Why a class of its own: the CLI, the test fixtures and `run.sh` all need the same
broker, and they run in different processes. Everything about one broker lives in its
own data directory (properties, logs, cluster id, pid file), so any process that builds a
`LocalBroker` on the same directory finds, reuses or stops the JVM another one started.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from infra.kafka.assembly import KAFKA_VERSION, ensure_kafka_jars
from infra.kafka.properties import Membership, log4j2_properties, new_cluster_id, server_properties
from infra.kafka.security import Credentials
from infra.process import is_alive, port_in_use, process_cmdline, wait_gone

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAIN_CLASS = "kafka.Kafka"


class BrokerError(RuntimeError):
    """The broker could not be started or stopped; the message says why (with its log)."""


class LocalBroker:
    """A single-node broker whose state lives under `data_dir`, listening on 127.0.0.1 only."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int,
        cache_dir: Path,
        version: str = KAFKA_VERSION,
        sasl_port: int | None = None,
        sasl_users: dict[str, str] | None = None,
        membership: Membership | None = None,
        cluster_id: str | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        """`sasl_port`: also listen there with SASL_PLAINTEXT (PLAIN and SCRAM-SHA-256) for
        `sasl_users` (name -> password; a test broker's, written to its own properties).
        `membership` and `cluster_id`: a node of a cluster (see `infra.kafka.cluster`),
        formatted with the cluster's id; without them, a single node of its own.
        `credentials`: secured (`infra.kafka.security`): SASL/SCRAM only, ACLs enforced."""
        self.data_dir = data_dir.resolve()
        self.port = port
        self.controller_port = controller_port
        self.cache_dir = cache_dir
        self.version = version
        self.sasl_port = sasl_port
        self.sasl_users = dict(sasl_users or {})
        self.membership = membership
        self._given_cluster_id = cluster_id
        self.credentials = credentials
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    def client_config(self) -> dict[str, object]:
        """kafka-python settings of an admin client (the super user, when secured)."""
        login = self.credentials.client_config() if self.credentials is not None else {}
        return {"bootstrap_servers": self.bootstrap, **login}

    @property
    def sasl_bootstrap(self) -> str:
        if self.sasl_port is None:
            raise BrokerError("this broker has no SASL listener")
        return f"{HOST}:{self.sasl_port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "server.out"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def _properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def _log_dirs(self) -> Path:
        return self.data_dir / "kraft-logs"

    # ---- public API -------------------------------------------------------------------

    def pid(self) -> int | None:
        """The pid of this directory's broker JVM if it runs, else None (stale pid files go)."""
        pid = self._read_pid()
        if pid is not None and self._is_our_jvm(pid):
            return pid
        if pid is not None:
            self.pid_file.unlink(missing_ok=True)
        return self._find_our_jvm()

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(self, timeout: float = 90.0) -> str:
        """Start the broker, or adopt the one already running; return when it answers.

        Returns the bootstrap address. Raises `BrokerError` if the port belongs to
        something else, the JVM exits, or it does not answer within `timeout` seconds.
        """
        self.wait_ready(self.launch(), timeout)
        return self.bootstrap

    def launch(self) -> int:
        """Start the JVM (or adopt the one running) without waiting for it to answer: the
        nodes of a cluster answer only once a majority of them runs. Returns its pid."""
        pid = self.pid()
        if pid is None:
            for port in (self.port, self.controller_port, self.sasl_port):
                if port is not None and port_in_use(HOST, port):
                    raise BrokerError(f"port {port} is in use by another process, not our broker")
            return self._launch()
        self.pid_file.write_text(f"{pid}\n")
        log.info("reusing the broker already running (pid %s)", pid)
        return pid

    def kill(self) -> bool:
        """SIGKILL the JVM (a crash: no clean shutdown, no leadership handed over)."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        self._wait_exit(pid, 10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the JVM (a clean shutdown), SIGKILL it after `timeout`; False if none ran."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        if not self._wait_exit(pid, timeout):
            log.warning("broker pid %s ignored SIGTERM for %.0f s: killing it", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            self._wait_exit(pid, 10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    # ---- starting ---------------------------------------------------------------------

    def _launch(self) -> int:
        lib = ensure_kafka_jars(self.cache_dir, self.version)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._write_configuration()
        self._format_storage(lib)
        command = [*self._java(lib), MAIN_CLASS, str(self._properties_file)]
        with open(self.log_file, "ab") as out:
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._process.pid}\n")
        log.info("started broker pid %s on %s", self._process.pid, self.bootstrap)
        return self._process.pid

    def _java(self, lib: Path) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("`java` (17+) is not on PATH: install openjdk-17-jre-headless")
        heap = ["-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true"]
        logs = [
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.log_file.parent}",
        ]
        return [java, *heap, *logs, "-cp", f"{lib}/*"]

    def _write_configuration(self) -> None:
        properties = server_properties(
            host=HOST,
            port=self.port,
            controller_port=self.controller_port,
            log_dirs=self._log_dirs,
            sasl_port=self.sasl_port,
            sasl_users=self.sasl_users,
            membership=self.membership,
            credentials=self.credentials,
        )
        self._properties_file.write_text(properties)
        (self.data_dir / "log4j2.properties").write_text(log4j2_properties())

    def _format_storage(self, lib: Path) -> None:
        """Format `log.dirs` once; a formatted directory keeps its cluster id and topics."""
        if (self._log_dirs / "meta.properties").is_file():
            return
        command = [*self._java(lib), "kafka.tools.StorageTool", "format"]
        if self.membership is None:
            command.append("--standalone")  # its own quorum of one
        command += ["-t", self._cluster_id(), "-c", str(self._properties_file)]
        if self.sasl_port is not None:
            for name, password in self.sasl_users.items():
                command += ["--add-scram", f"SCRAM-SHA-256=[name={name},password={password}]"]
        if self.credentials is not None:
            command += self.credentials.format_arguments()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            output = result.stdout + result.stderr
            raise BrokerError(f"formatting {self._log_dirs} failed:\n{output}")

    def _cluster_id(self) -> str:
        """A stable 22-character cluster id for this directory (never starting with '-')."""
        if self._given_cluster_id is not None:
            return self._given_cluster_id
        path = self.data_dir / "cluster.id"
        if path.is_file():
            return path.read_text().strip()
        path.write_text(new_cluster_id() + "\n")
        return path.read_text().strip()

    def wait_ready(self, pid: int, timeout: float) -> None:
        """Poll `describe_cluster()` until the broker answers, the JVM dies or time is up."""
        deadline = time.monotonic() + timeout
        last_error = "port not open yet"
        while time.monotonic() < deadline:
            # Alive, not "our JVM by its command line": that was checked when the pid was
            # found, and a JVM just launched can show another command line for a moment
            # (seen under load: a broker that started fine was reported dead).
            if not is_alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise BrokerError(f"the broker exited during start-up:\n{self._log_tail()}")
            if port_in_use(HOST, self.port):
                try:
                    self._describe_cluster()
                    return
                except KafkaError as error:
                    last_error = repr(error)
            time.sleep(0.5)
        raise BrokerError(
            f"the broker did not answer within {timeout:.0f} s ({last_error}):\n{self._log_tail()}"
        )

    def _describe_cluster(self) -> dict[str, object]:
        config = {**self.client_config(), "bootstrap_timeout_ms": 5000, "request_timeout_ms": 5000}
        admin = KafkaAdminClient(**config)
        try:
            metadata: dict[str, object] = admin.describe_cluster()
            return metadata
        finally:
            admin.close()

    def _log_tail(self, lines: int = 40) -> str:
        if not self.log_file.is_file():
            return "(no log written)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    # ---- finding and stopping ---------------------------------------------------------

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _is_our_jvm(self, pid: int) -> bool:
        """True if `pid` is a live Kafka JVM running this directory's server.properties."""
        if not is_alive(pid):
            return False
        arguments = process_cmdline(pid)
        return MAIN_CLASS in arguments and str(self._properties_file) in arguments

    def _find_our_jvm(self) -> int | None:
        """Find our broker without a pid file (it was deleted, or written by a crashed run)."""
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self._is_our_jvm(int(entry.name)):
                return int(entry.name)
        return None

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        return wait_gone(pid, timeout)
