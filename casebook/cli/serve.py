"""`casebook serve`: the HTTP API and dashboard over the durable views."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casebook.logs import configure_logging
from casebook.operations import OperationsPortUnavailable, start_operations, views_readiness
from casebook.settings import Settings


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve", help="the HTTP API (/api, /docs) and the dashboard (/) over the durable views"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(handler=serve_forever)


def serve_forever(args: argparse.Namespace) -> int:
    # Imported here: the other commands should not pay for loading the web stack.
    from casebook.web import create_app
    from casebook.web.server import serve

    settings = Settings()
    if not settings.api_tokens:
        print(
            "casebook serve: no API tokens configured (CASEBOOK_API_TOKENS): "
            "every /api endpoint will answer 401",
            file=sys.stderr,
        )
    print(
        f"casebook serve: dashboard and API on http://{args.host}:{args.port}/ (docs at /docs)",
        file=sys.stderr,
        flush=True,
    )
    configure_logging(settings.log_format, "serve", settings.secret_values())
    try:
        operations = start_operations(settings, ("serve",), lambda: views_readiness(settings))
    except OperationsPortUnavailable as error:
        print(f"casebook serve: {error}", file=sys.stderr)
        return 2
    try:
        serve(create_app(settings), settings, args.host, args.port)
    finally:
        if operations is not None:
            operations.close()
    return 0
