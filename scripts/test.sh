#!/usr/bin/env bash
# make test: install what is missing, build, start private servers on
# loopback, run every test, stop the servers (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

# The HTML report is checked in headless Chromium: install it too.
export STATEBENCH_TEST_BROWSER=1
export STATEBENCH_REQUIRE_BROWSER=1
scripts/install-deps.sh --with-browser

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

state=$(mktemp -d "${TMPDIR:-/tmp}/statebench-test.XXXXXX")
cleanup() { scripts/servers.sh stop "$state/servers" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
scripts/servers.sh start "$state/servers"
# shellcheck disable=SC1091
source "$state/servers/env"
# Server-backend tests fail, rather than skip, when a server is missing.
export STATEBENCH_REQUIRE_SERVERS=1

ctest --preset release -j "$jobs" --timeout 600
