#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine: a venv with the project and its
# test extra, and Debian's chromium for the browser tests (installed when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "tests/setup.sh: chromium is missing; install Debian's chromium package (as root) for the browser tests" >&2
    exit 1
  fi
fi
