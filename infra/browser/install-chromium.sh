#!/bin/sh
# Debian's Chromium and its matching chromedriver, for the dashboard's browser test.
# Idempotent: does nothing when both are installed. Needs root (or passwordless sudo).
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium chromium-driver
