#!/usr/bin/env bash
# Checks statebench's exports against the tools that read them, from
# those tools' own sources (never vendored here, never downloaded by the
# build):
#
#   --gab DIR   a checkout of github-action-benchmark with its npm
#               dependencies installed (`npm ci` in DIR). Its
#               src/extract.ts is transpiled with DIR's TypeScript and run
#               with node on our gbench-aggregates (tool googlecpp),
#               gab-smaller (customSmallerIsBetter) and gab-bigger
#               (customBiggerIsBetter) exports.
#   --xsd FILE  Jenkins xUnit's junit-10.xsd (jenkinsci/xunit-plugin,
#               src/main/resources/.../xsd/junit-10.xsd); `statebench gate
#               --junit` output is validated against it with xmllint.
#
# Options: --statebench BIN (default build/release/bench/statebench),
# --keep DIR (write the exports there and keep them). Either checker may be
# left out; each one given must pass. Exit 0 when all pass, 1 otherwise,
# 2 on a usage error.
#
# The results it checks come from short runs made here: the memory backend,
# rocksdb with incremental checkpoints (two configurations under distinct
# names) and a redis run against a closed port, which fails and so must
# appear as a failed entry (its error entry in gbench-aggregates is the one
# googlecpp records as 0 ns).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
statebench="$here/build/release/bench/statebench"
gab=""
xsd=""
keep=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gab) gab="$2"; shift 2 ;;
    --xsd) xsd="$2"; shift 2 ;;
    --statebench) statebench="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "check-exports: unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [[ -z "$gab" && -z "$xsd" ]]; then
  echo "check-exports: give --gab DIR and/or --xsd FILE" >&2
  exit 2
fi
[[ -x "$statebench" ]] || { echo "check-exports: no $statebench" >&2; exit 2; }

work="$(mktemp -d /tmp/statebench-check-exports.XXXXXX)"
trap 'rm -rf "$work"' EXIT
out="${keep:-$work/out}"
mkdir -p "$out"

run() {  # quiet, short runs; a failing run still writes its results
  "$statebench" run --keys 2000 --warmup 0 --duration 0.3 -r 2 --no-restore \
    -q "$@" >/dev/null 2>&1 || true
}
run -b memory -o "$work/memory.json"
run -b rocksdb --checkpoint-type incremental -o "$work/rocksdb.json"
run -b redis --backend-opt redis.uri=redis://127.0.0.1:1 -o "$work/redis.json"
inputs=()
for f in memory rocksdb redis; do
  [[ -s "$work/$f.json" ]] && inputs+=("$work/$f.json")
done

for format in gbench gbench-aggregates gab-smaller gab-bigger bmf; do
  "$statebench" report "${inputs[@]}" --format "$format" \
    --output "$out/$format.json"
done

status=0

if [[ -n "$xsd" ]]; then
  command -v xmllint >/dev/null || { echo "check-exports: no xmllint" >&2; exit 2; }
  # A gate of the memory run against itself passes; against a copy whose
  # run failed it reports a failure: both must be valid JUnit.
  sed 's/"status": "ok"/"status": "failed"/' "$work/memory.json" \
    >"$work/memory-failed.json"
  "$statebench" gate --baseline "$work/memory.json" \
    --current "$work/memory.json" --junit "$out/gate-pass.xml" \
    >/dev/null 2>&1 || true
  "$statebench" gate --baseline "$work/memory.json" \
    --current "$work/memory-failed.json" --junit "$out/gate-fail.xml" \
    >/dev/null 2>&1 || true
  for x in gate-pass gate-fail; do
    if [[ ! -s "$out/$x.xml" ]]; then
      echo "FAIL junit: statebench gate wrote no $x.xml"; status=1
    elif xmllint --noout --schema "$xsd" "$out/$x.xml" 2>"$work/xmllint.err"; then
      echo "ok   junit: $x.xml is valid against $(basename "$xsd")"
    else
      echo "FAIL junit: $x.xml"; cat "$work/xmllint.err"; status=1
    fi
  done
fi

if [[ -n "$gab" ]]; then
  command -v node >/dev/null || { echo "check-exports: no node" >&2; exit 2; }
  cat >"$work/gab-check.js" <<'EOF'
// Runs github-action-benchmark's own extractResult on our exports.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const [gab, ...pairs] = process.argv.slice(2);
const gabRequire = Module.createRequire(path.join(gab, 'package.json'));
const ts = gabRequire('typescript');
const file = path.join(gab, 'src', 'extract.ts');
const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
  compilerOptions: {module: ts.ModuleKind.CommonJS,
                    target: ts.ScriptTarget.ES2020, esModuleInterop: true},
}).outputText;
// getCommit() reads the pushed commit from the Actions context; give it
// one so that nothing goes to the network.
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === '@actions/github') {
    return {context: {payload: {head_commit: {
      id: '0', message: 'check-exports', url: '', author: {}, committer: {}}}}};
  }
  return load.call(this, request, parent, isMain);
};
const m = new Module(file.replace(/\.ts$/, '.js'));
m.filename = file.replace(/\.ts$/, '.js');
m.paths = Module._nodeModulePaths(path.dirname(file));
m._compile(js, m.filename);
(async () => {
  let failed = false;
  for (let i = 0; i < pairs.length; i += 2) {
    const [tool, output] = [pairs[i], pairs[i + 1]];
    const where = `${tool} ${path.basename(output)}`;
    let benches;
    try {
      ({benches} = await m.exports.extractResult({tool, outputFilePath: output}));
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      failed = true;
      continue;
    }
    const problems = [];
    const seen = new Set();
    for (const b of benches) {
      if (seen.has(b.name)) problems.push(`name twice: ${b.name}`);
      seen.add(b.name);
      if (typeof b.value !== 'number' || !Number.isFinite(b.value)) {
        problems.push(`value not a finite number: ${b.name}`);
      }
    }
    const zero = benches.filter((b) => b.value === 0).map((b) => b.name);
    if (problems.length) {
      failed = true;
      console.log(`FAIL ${where}: ${problems.join('; ')}`);
    } else {
      console.log(`ok   ${where}: ${benches.length} entries, names unique, ` +
                  `values finite; value 0: ${zero.length ? zero.join(', ') : 'none'}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
EOF
  node "$work/gab-check.js" "$gab" \
    googlecpp "$out/gbench-aggregates.json" \
    customSmallerIsBetter "$out/gab-smaller.json" \
    customBiggerIsBetter "$out/gab-bigger.json" || status=1
fi
exit "$status"
