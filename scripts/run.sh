#!/usr/bin/env bash
# Bring Casebook up locally: bootstrap, start the Kafka broker (a background daemon that
# outlives this script; `.venv/bin/casebook broker stop` stops it), list the commands.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
bootstrap_servers="$(.venv/bin/casebook broker start | tail -n 1)"
echo "Kafka broker: ${bootstrap_servers}"
echo
echo "Commands (.venv/bin/casebook <command> --help for details):"
.venv/bin/casebook --help | sed -n '/^positional arguments:/,/^options:/p' | sed '1d;$d'
