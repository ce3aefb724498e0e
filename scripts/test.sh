#!/usr/bin/env bash
# make test: install what is missing, build, start private servers on
# loopback, run every test, stop the servers (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh ${STATEBENCH_TEST_BROWSER:+--with-browser}

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

state=$(mktemp -d "${TMPDIR:-/tmp}/statebench-test.XXXXXX")
cleanup() { scripts/servers.sh stop "$state/servers" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
scripts/servers.sh start "$state/servers"
# shellcheck disable=SC1091
source "$state/servers/env"

ctest --preset release -j "$jobs" --timeout 600
