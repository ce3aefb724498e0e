#!/usr/bin/env bash
# make demo: install what is missing, build a release binary, compare the
# backends, and print where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target statebench

bin=build/release/bench/statebench
"$bin" compare --output results.json
echo
echo "results: $(pwd)/results.json"
