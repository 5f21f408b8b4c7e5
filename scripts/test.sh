#!/usr/bin/env bash
# Run the test suite (arguments go to pytest): bootstrap first, so a fresh checkout works.
# Integration tests start their own Kafka broker and PostgreSQL on test ports and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
