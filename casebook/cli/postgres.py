"""`casebook postgres start|stop|status`: a local PostgreSQL server for the postgres store.

The cluster lives under `<data_dir>/postgres` and listens on 127.0.0.1:`postgres_port`;
`start` installs Debian's PostgreSQL first if it is missing, and creates the configured
role and database. It prints the connection string (password masked) as its last line.
"""

from __future__ import annotations

import argparse
import sys

from casebook.settings import Settings
from infra.postgres.server import LocalPostgres, PostgresError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("postgres", help="Run the local PostgreSQL server.")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("start", help="Start it (or find it running).").set_defaults(
        handler=start_postgres
    )
    actions.add_parser("stop", help="Stop it (fast shutdown).").set_defaults(handler=stop_postgres)
    actions.add_parser("status", help="Exit 0 if it runs, 1 if not.").set_defaults(
        handler=postgres_status
    )


def local_postgres(settings: Settings) -> LocalPostgres:
    return LocalPostgres(
        data_dir=settings.data_dir,
        port=settings.postgres_port,
        user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value(),
        dbname=settings.postgres_dbname,
    )


def start_postgres(args: argparse.Namespace) -> int:
    server = local_postgres(Settings())
    try:
        params = server.start()
    except PostgresError as error:
        print(f"postgres failed to start: {error}", file=sys.stderr)
        return 1
    print(f"postgres running, data in {server.cluster_dir}")
    print(f"postgresql://{params.user}:***@{params.host}:{params.port}/{params.dbname}")
    return 0


def stop_postgres(args: argparse.Namespace) -> int:
    print("postgres stopped" if local_postgres(Settings()).stop() else "postgres was not running")
    return 0


def postgres_status(args: argparse.Namespace) -> int:
    server = local_postgres(Settings())
    if not server.is_running():
        print("postgres not running")
        return 1
    print(f"postgres running at {server.params.host}:{server.params.port}")
    return 0
