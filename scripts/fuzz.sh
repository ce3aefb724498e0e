#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build/fuzz and fuzzes each for FUZZ_SECONDS (default 60), starting from its
# seed corpus. New interesting inputs go to build/fuzz/corpus/<target>/ (the
# seed corpus in the tree is only read); crashes, leaks and timeouts go to
# build/fuzz/artifacts/<target>/.
#
# Usage: scripts/fuzz.sh [TARGET...]     (default: every target)
# Env:   FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (targets fuzzed at
#        once, default 1), FUZZ_BUILD_JOBS (compile jobs, default: ninja's).
# Exit:  0 no findings, 1 a target found something, 2 usage, other: build.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
build=build/fuzz
corpora=tests/fuzz/corpus

if [[ ${SKIP_INSTALL_DEPS:-0} != 1 ]]; then
  scripts/install-deps.sh --with-fuzz
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTATEBENCH_FUZZ=ON \
  -DSTATEBENCH_BUILD_TESTS=OFF -DSTATEBENCH_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target fuzz_targets ${FUZZ_BUILD_JOBS:+-j "$FUZZ_BUILD_JOBS"}

targets=("$@")
if ((${#targets[@]} == 0)); then
  for dir in "$corpora"/*/; do
    t=$(basename "$dir")
    [[ -x $build/tests/fuzz/fuzz_$t ]] && targets+=("$t")
  done
fi
for t in "${targets[@]}"; do
  if [[ ! -x $build/tests/fuzz/fuzz_$t || ! -d $corpora/$t ]]; then
    echo "fuzz: unknown target '$t' (have: $(ls "$corpora" | tr '\n' ' '))" >&2
    exit 2
  fi
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fuzz_one() {
  local t=$1 work=$build/corpus/$1 artifacts=$build/artifacts/$1
  mkdir -p "$work" "$artifacts"
  echo "fuzz: $t for ${seconds}s"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=5 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" "$corpora/$t" \
      >"$build/fuzz-$t.log" 2>&1; then
    echo "fuzz: $t: no findings ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$t.log" | grep -o '[0-9]*$') runs)"
  else
    echo "fuzz: $t: FINDING, see $build/fuzz-$t.log and $artifacts/" >&2
    return 1
  fi
}

status=0
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
