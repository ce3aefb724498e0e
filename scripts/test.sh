#!/usr/bin/env bash
# make test: install what is missing, start private servers on loopback, and
# run the tests in three builds, stopping the servers on exit, on failure and
# on Ctrl-C:
#
#   asan     every test under AddressSanitizer + UBSan (the dev preset,
#            build/dev), every statebench process those tests start
#            included; a sanitizer report fails the test that produced it.
#            The speed-sensitive tests (ctest label "timing") are left out:
#            instrumentation, not the code under test, would decide them;
#            so are the long CLI crash-restore runs (label "optimised").
#   release  the optimised build (build/release) of what make test needs
#            optimised (target optimised_checks: the statebench binary, the
#            benchmark programs, the "timing" tests), and the tests labelled
#            "timing" or "optimised".
#   tsan     the harness's concurrency tests (label "concurrency": subtasks,
#            barriers, histogram merging) under ThreadSanitizer (build/tsan).
#
#   scripts/test.sh [--only STAGE[,STAGE...]] [extra ctest arguments...]
#
# make sanitize is `--only asan,tsan`; `--only release` with no label
# arguments runs the "timing" and "optimised" tests only (add e.g.
# `-L unit` for more, after building everything with `make build`).
set -euo pipefail
cd "$(dirname "$0")/.."

stages="asan,release,tsan"
if [[ "${1:-}" == "--only" ]]; then
  stages=${2:?--only needs a list of stages: release, asan, tsan}
  shift 2
fi
IFS=, read -r -a wanted <<<"$stages"
for s in "${wanted[@]}"; do
  case "$s" in
    release | asan | tsan) ;;
    *) echo "test.sh: unknown stage '$s' (known: release, asan, tsan)" >&2; exit 2 ;;
  esac
done
want() { [[ ",$stages," == *",$1,"* ]]; }

# The HTML report is checked in headless Chromium: install it too.
export STATEBENCH_TEST_BROWSER=1
export STATEBENCH_REQUIRE_BROWSER=1
scripts/install-deps.sh --with-browser

jobs=$(nproc 2>/dev/null || echo 2)
supp="$PWD/tests/sanitizers"
# halt_on_error: the first report ends the process with a failure, so no test
# passes with a report in its output.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"

state=$(mktemp -d "${TMPDIR:-/tmp}/statebench-test.XXXXXX")
cleanup() { scripts/servers.sh stop "$state/servers" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
scripts/servers.sh start "$state/servers"
# shellcheck disable=SC1091
source "$state/servers/env"
# Server-backend tests fail, rather than skip, when a server is missing.
export STATEBENCH_REQUIRE_SERVERS=1
# Device-node and chown cases fail, rather than skip, when we are root.
if [[ $(id -u) -eq 0 ]]; then export STATEBENCH_REQUIRE_ROOT_TESTS=1; fi

summary=()
stage_start() { echo "== [$1] $2"; t0=$SECONDS; }
stage_end() { summary+=("$1: $((SECONDS - t0)) s"); }

if want asan; then
  stage_start asan "every test under ASan+UBSan except the 'timing' and 'optimised' ones (build/dev)"
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev --no-tests=error -j "$jobs" --timeout 900 -LE 'timing|optimised' "$@"
  stage_end asan
fi

if want release; then
  stage_start release "optimised build of the binary, the benchmarks and the 'timing' tests; the 'timing' and 'optimised' tests run (build/release)"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$jobs" --target optimised_checks
  select=("$@")
  [[ ${#select[@]} -gt 0 ]] || select=(-L 'timing|optimised')
  # The "optimised" tests mostly wait (checkpoint intervals, kills,
  # restarts), so twice as many run at once; gate_real_test runs alone
  # (RUN_SERIAL).
  ctest --preset release --no-tests=error -j "$((jobs * 2))" --timeout 600 "${select[@]}"
  stage_end release
fi

if want tsan; then
  stage_start tsan "the concurrency tests under ThreadSanitizer (build/tsan)"
  cmake --preset tsan >/dev/null
  # Only the tests labelled "concurrency" run under TSan; build just those.
  cmake --build --preset tsan -j "$jobs" --target concurrency_tests
  # gcc 12's TSan cannot map its shadow memory under the high-entropy ASLR
  # of newer kernels; run its tests with address randomisation off.
  setarch "$(uname -m)" -R ctest --preset tsan --no-tests=error -L concurrency -j "$jobs" --timeout 900 "$@"
  stage_end tsan
fi

printf "== make test passed:"; printf " [%s]" "${summary[@]}"; echo
