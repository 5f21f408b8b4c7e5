#!/usr/bin/env bash
# Make this checkout ready to run and test, idempotently and without questions:
#   1. a virtualenv in .venv (Python 3.11+), reinstalled only when pyproject.toml changed;
#   2. Java and Maven (Debian packages) if missing, then the Kafka broker's jars in var/cache;
#   3. Debian's PostgreSQL binaries if missing;
#   4. Debian's Prometheus (and promtool) if missing: the operations tests scrape with it.
# A second run with nothing changed takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "bootstrap: $*" >&2; }

find_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    say "no Python 3.11+ found"
    return 1
}

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        say "missing $*: install them (apt-get install $*) and run again"
        exit 1
    fi
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$(find_python)" -m venv .venv
fi

stamp=.venv/.casebook-pyproject.sha256
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "pyproject.toml changed: pip install -e '.[dev]'"
    .venv/bin/python -m pip install -q --upgrade pip setuptools >/dev/null  # old setuptools has known advisories
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$wanted" >"$stamp"
fi

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi
.venv/bin/python -m infra.kafka.assembly "${CASEBOOK_DATA_DIR:-var}/cache" >/dev/null
.venv/bin/python -m infra.postgres.server >/dev/null
