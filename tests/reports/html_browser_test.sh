#!/usr/bin/env bash
# Renders the sample results through `statebench report --format html` and
# loads the page in headless Chromium:
#   - with node: html_browser_check.js drives Chromium over the DevTools
#     pipe and fails on any console error or warning, any network request
#     besides the file itself, a JavaScript dialog (an XSS payload that ran),
#     a chart whose <svg> is missing or empty, a missing section, a broken
#     embedded JSON block, or a theme that does not switch for dark mode or
#     print; it writes report.png, report-dark.png and report-print.png;
#   - without node: Chromium's --dump-dom, --enable-logging and
#     --log-net-log give the same console, network and SVG checks in a
#     coarser form, plus --screenshot.
# Exit 77 (ctest SKIP) when Chromium is absent, unless
# STATEBENCH_REQUIRE_BROWSER=1. STATEBENCH_BROWSER_CHECK=coarse forces the
# path without node.
#
# Usage: html_browser_test.sh STATEBENCH_BINARY SOURCE_DIR OUTPUT_DIR
set -euo pipefail

bin=$1
src=$2
out=$3

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser=$(command -v "$candidate")
    break
  fi
done
if [[ -z "$browser" ]]; then
  if [[ "${STATEBENCH_REQUIRE_BROWSER:-0}" == "1" ]]; then
    echo "FAIL: chromium is not installed and STATEBENCH_REQUIRE_BROWSER=1" >&2
    exit 1
  fi
  echo "SKIP: chromium is not installed (scripts/install-deps.sh --with-browser)"
  exit 77
fi

mkdir -p "$out"
report="$out/report.html"
rm -f "$report" "$out/report.png" "$out/report-dark.png"
# The golden JSON export of the sample results is itself a results file:
# two backends, two op kinds, three repetitions, checkpoints, a failed run
# with XSS payloads in its names, verification verdicts, a recommendation.
"$bin" report "$src/golden/sample.json.json" --format html --output "$report"
[[ -s "$report" ]] || { echo "FAIL: no report written" >&2; exit 1; }

# STATEBENCH_BROWSER_CHECK=coarse forces the path without node.
if [[ "${STATEBENCH_BROWSER_CHECK:-}" != "coarse" ]] &&
  command -v node >/dev/null 2>&1; then
  exec node "$src/html_browser_check.js" "$browser" "$report" "$out/report.png"
fi

echo "node not found: coarse checks with --dump-dom and --log-net-log"
work=$(mktemp -d "${TMPDIR:-/tmp}/sb-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars)
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
timeout 60 "$browser" "${flags[@]}" --user-data-dir="$work/profile" \
  --enable-logging=stderr --v=0 --log-net-log="$work/net.json" \
  --dump-dom "$url" >"$work/dom.html" 2>"$work/stderr.txt" || true
timeout 60 "$browser" "${flags[@]}" --user-data-dir="$work/profile2" \
  --window-size=1280,6000 --screenshot="$out/report.png" "$url" \
  >/dev/null 2>&1 || true

status=0
if grep -E 'CONSOLE\(|Refused to|Uncaught' "$work/stderr.txt"; then
  echo "FAIL: console messages above" >&2
  status=1
fi
# Chromium itself phones home (updates, time); the page's own requests are
# the ones keyed to the file:// network isolation key.
if grep -oE '"network_isolation_key":"file://[^"]*".*"url":"[a-z-]+:[^"]*"' \
  "$work/net.json" | grep -oE '"url":"[a-z-]+:[^"]*"$' | grep -v '"url":"file:'; then
  echo "FAIL: the page made the network requests above" >&2
  status=1
fi
# One figure per line, as the report writes them.
figures=$(grep -c '<figure class="chart"' "$work/dom.html" || true)
svgs=$(grep '<figure class="chart"' "$work/dom.html" |
  grep -cE '<svg[^>]*>.*<(polyline|rect|path|circle)[ >]' || true)
if [[ "$figures" -lt 6 || "$svgs" -ne "$figures" ]]; then
  echo "FAIL: $figures chart figures, $svgs with drawn SVG content" >&2
  status=1
fi
if grep -q '<script>alert' "$work/dom.html"; then
  echo "FAIL: an XSS payload reached the DOM unescaped" >&2
  status=1
fi
[[ -s "$out/report.png" ]] || { echo "FAIL: no screenshot" >&2; status=1; }
[[ $status -eq 0 ]] && echo "browser checks passed (coarse): $figures charts drawn; screenshot $out/report.png"
exit $status
