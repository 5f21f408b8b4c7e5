#!/usr/bin/env bash
# The main job, for a newcomer on a fresh machine: bootstrap, start the local Kafka broker
# (a background daemon; `.venv/bin/casebook broker stop` stops it), publish the sample
# history, let the engine (SQLite, embedded) process it, show the live SLA view, then keep
# the engine running on the topics until Ctrl-C. CASEBOOK_RUN_ONCE=1 stops after the view.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
casebook=.venv/bin/casebook
bootstrap_servers="$($casebook broker start | tail -n 1)"
echo "Kafka broker: ${bootstrap_servers}"
# Publishing twice is harmless: the engine takes each message_id once.
$casebook publish "${CASEBOOK_SAMPLE:-samples/history-small.jsonl}"
$casebook run --until-idle 2>>var/engine.log
echo
$casebook sla --as-of "$($casebook replay --input "${CASEBOOK_SAMPLE:-samples/history-small.jsonl}" --json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["as_of"])')"
echo
echo "Rejected messages: $($casebook rejected --json | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)))')"
echo "Try: $casebook audit C-7-000038   |   $casebook --help   |   engine log: var/engine.log"
if [ "${CASEBOOK_RUN_ONCE:-0}" = 1 ]; then
    exit 0
fi
echo "The engine keeps running on the topics (Ctrl-C stops it; the broker stays up)."
exec $casebook run 2>>var/engine.log
