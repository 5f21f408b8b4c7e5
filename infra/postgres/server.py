"""Run one local PostgreSQL cluster on a private port (Debian's binaries, our own data dir).

Why not the distribution's service: it listens on the shared port 5432 and needs systemd;
ours lives under the project's data directory, listens on 127.0.0.1:<port> with its unix
socket inside the cluster directory, and is started and stopped with `pg_ctl`. The
server refuses to run as root, so when we are root every server-side command runs as the
`postgres` OS user, and the cluster directory must be reachable by that user.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
OS_USER = "postgres"
SUPERUSER = "postgres"


class PostgresError(RuntimeError):
    """The server could not be installed, initialised, started or stopped."""


@dataclass(frozen=True)
class PostgresParams:
    """How a client reaches the application role over TCP."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    def conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
        )


class LocalPostgres:
    """A cluster under `<data_dir>/postgres` serving one role and its database."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        user: str = "casebook",
        password: str = "casebook",
        dbname: str = "casebook",
    ) -> None:
        self.cluster_dir = _reachable_cluster_dir(data_dir.resolve() / "postgres")
        self.port = port
        self.params = PostgresParams(HOST, port, user, password, dbname)

    @property
    def log_file(self) -> Path:
        return self.cluster_dir / "server.log"

    # ---- public API -------------------------------------------------------------------

    def start(self) -> PostgresParams:
        """Install, initialise and start as needed, then ensure the role and its database."""
        bin_dir = ensure_installed()
        if not (self.cluster_dir / "PG_VERSION").is_file():
            self._initdb(bin_dir)
        if not self.is_running():
            self._pg_ctl(
                bin_dir, "start", "-w", "-t", "60", "-l", str(self.log_file), "-o", self._options()
            )
        self._ensure_role_and_database()
        return self.params

    def stop(self) -> bool:
        """Fast shutdown (disconnects clients, no crash recovery next start); False if none ran."""
        if not self.is_running():
            return False
        self._pg_ctl(ensure_installed(), "stop", "-w", "-t", "60", "-m", "fast")
        return True

    def is_running(self) -> bool:
        if not (self.cluster_dir / "PG_VERSION").is_file():
            return False
        bin_dir = ensure_installed()
        command = _as_postgres([str(bin_dir / "pg_ctl"), "status", "-D", str(self.cluster_dir)])
        return subprocess.run(command, capture_output=True, check=False).returncode == 0

    def create_database(self, name: str) -> str:
        """Create a database owned by the application role (fresh per test); return its name."""
        with self._admin() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(self.params.user)
                )
            )
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database even if clients are still connected to it."""
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # ---- internals --------------------------------------------------------------------

    def _options(self) -> str:
        return f"-p {self.port} -k {self.cluster_dir} -c listen_addresses={HOST}"

    def _initdb(self, bin_dir: Path) -> None:
        """Local socket connections are trusted (only root and `postgres` reach the socket
        directory); TCP connections need the role's password."""
        command = [
            str(bin_dir / "initdb"),
            "-D",
            str(self.cluster_dir),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        ]
        _run(_as_postgres(command), "initdb")

    def _pg_ctl(self, bin_dir: Path, *arguments: str) -> None:
        command = [
            str(bin_dir / "pg_ctl"),
            *arguments[:1],
            "-D",
            str(self.cluster_dir),
            *arguments[1:],
        ]
        try:
            _run(_as_postgres(command), f"pg_ctl {arguments[0]}")
        except PostgresError as error:
            raise PostgresError(f"{error}\n{self._log_tail()}") from error

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection over the unix socket, autocommit (CREATE DATABASE needs it)."""
        return psycopg.connect(
            host=str(self.cluster_dir),
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
        )

    def _ensure_role_and_database(self) -> None:
        role = sql.Identifier(self.params.user)
        with self._admin() as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (self.params.user,)
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                    role, sql.Literal(self.params.password)
                )
            )
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.params.dbname,)
            ).fetchone()
        if not exists:
            self.create_database(self.params.dbname)

    def _log_tail(self, lines: int = 30) -> str:
        if not self.log_file.is_file():
            return "(no server log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def find_bin_dir() -> Path | None:
    """The newest installed Debian PostgreSQL's bin directory, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """Return the PostgreSQL bin directory, installing Debian's `postgresql` if it is missing."""
    bin_dir = find_bin_dir()
    if bin_dir is not None:
        return bin_dir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresError(
            "PostgreSQL is not installed: run `apt-get install -y postgresql` as root"
        )
    log.info("installing PostgreSQL with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-q"], "apt-get update", env=env)
    _run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
        "apt-get install",
        env=env,
    )
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresError(
            "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb exists"
        )
    return bin_dir


def _major_version(initdb: str) -> int:
    return int(Path(initdb).parent.parent.name.split(".")[0])


def _reachable_cluster_dir(preferred: Path) -> Path:
    """`preferred`, owned by `postgres` with mode 0700, if that user can reach it.

    Why the fallback: as root we may work inside a tree the `postgres` user cannot
    traverse (a home directory with mode 0700, say). The server must open its own data
    directory, so then the cluster goes to /var/tmp/casebook-postgres-<hash of preferred>,
    still one cluster per data directory.
    """
    if os.geteuid() != 0:
        preferred.mkdir(parents=True, exist_ok=True)
        preferred.chmod(0o700)
        return preferred
    preferred.mkdir(parents=True, exist_ok=True)
    shutil.chown(preferred, OS_USER, OS_USER)
    preferred.chmod(0o700)
    if _postgres_can_enter(preferred):
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    fallback = Path(f"/var/tmp/casebook-postgres-{digest}")
    log.warning("user postgres cannot reach %s; using %s instead", preferred, fallback)
    account = pwd.getpwnam(OS_USER)
    return private_directory(fallback, account.pw_uid, account.pw_gid)


def private_directory(path: Path, uid: int, gid: int) -> Path:
    """`path` as a directory only `uid` may enter: created here, or already exactly that.

    The fallback's name is predictable (one cluster per data directory) in a folder anyone
    may write, so whatever stands there already is not trusted: a symlink, a directory of
    another owner or one open to others is refused, never followed, chowned or used.
    """
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
        os.chown(path, uid, gid, follow_symlinks=False)
    found = os.lstat(path)
    mode = found.st_mode
    if not stat.S_ISDIR(mode) or found.st_uid != uid or stat.S_IMODE(mode) & 0o077:
        raise PostgresError(
            f"{path} exists but is not a private directory of uid {uid} (a symlink, another"
            " owner's, or open to others): remove it, or set CASEBOOK_DATA_DIR somewhere"
            f" user {OS_USER} can reach"
        )
    return path


def _postgres_can_enter(path: Path) -> bool:
    where = str(path)
    test = ["test", "-r", where, "-a", "-w", where, "-a", "-x", where]
    command = ["runuser", "-u", OS_USER, "--", *test]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _as_postgres(command: list[str]) -> list[str]:
    """Server-side commands refuse root: run them as the `postgres` OS user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *command]
    return command


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd="/")
    if result.returncode != 0:
        raise PostgresError(
            f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )


def main() -> int:
    """Make sure PostgreSQL's binaries are installed (bootstrap runs this) and say where."""
    print(ensure_installed())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
