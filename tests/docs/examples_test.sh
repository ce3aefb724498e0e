#!/usr/bin/env bash
# Runs every `statebench` command shown in a ```sh block of README.md and
# docs/*.md, so that the examples stay true: each must exit 0.
#
# Commands that measure (run, compare, sweep, verify) run with --dry-run:
# every input check a real run makes (flags, files, option values, memory,
# the sweep's disk and RAM budget), nothing measured. The others (backends,
# report, advise, gate) run as shown, on fixtures made here: a small
# results file under every name the examples use, the example profiles, a
# Flink configuration and a key file.
#
#   examples_test.sh STATEBENCH_BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/old"
ln -s "$bin" "$work/bin/statebench"
ln -s "$bin" "$work/old/statebench"  # gate --run --baseline-bin old/statebench
ln -s "$src/advisor" "$work/advisor"
ln -s "$src/workloads" "$work/workloads"
export PATH="$work/bin:$PATH"
export GITHUB_STEP_SUMMARY="$work/step-summary.md"
export c=zstd  # the codec loop of docs/security.md
cd "$work" || exit 1

# The fixtures.
if ! statebench compare --backends memory,fs --keys 2000 --duration 0.3 \
  --warmup 0 --repetitions 3 --no-restore -q -o results.json >/dev/null; then
  echo "FAIL: could not measure the fixture results file"
  exit 1
fi
for f in base.json pr.json current.json cur.json baseline.json a.json b.json R.json; do
  cp results.json "$f"
done
cp advisor/examples/sql-team.yaml P.yaml
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >key && chmod 600 key
cat >flink-conf.yaml <<'EOF'
parallelism.default: 2
state.backend.type: rocksdb
state.backend.incremental: true
execution.checkpointing.interval: 500 ms
state.backend.rocksdb.writebuffer.size: 32mb
EOF

# Every command of a ```sh block: "file<TAB>command", continuation lines
# joined, a leading "$ " prompt and a trailing "# comment" dropped. Lines
# that only start with the word (printed output) are not commands.
extract() {
  awk '
    FNR == 1 { in_block = 0 }
    /^[[:space:]]*```/ {
      if (!in_block) { in_block = 1; sh = ($0 ~ /```(sh|bash|console)[[:space:]]*$/) }
      else in_block = 0
      next
    }
    in_block && sh {
      line = $0
      sub(/^[[:space:]]*(\$ )?/, "", line)
      if (cmd != "" ) {
        cmd = cmd " " line
      } else if (line ~ /^statebench (backends|run|compare|sweep|verify|report|advise|gate)( |$)/) {
        cmd = line
      } else {
        next
      }
      if (cmd ~ /\\$/) { sub(/\\$/, "", cmd); next }
      sub(/[[:space:]]+#[[:space:]].*$/, "", cmd)
      gsub(/[[:space:]]+/, " ", cmd)
      print FILENAME "\t" cmd
      cmd = ""
    }
  ' "$@"
}

pass=0
fail=0
skipped=0
while IFS=$'\t' read -r file cmd; do
  sub=$(awk '{ print $2 }' <<<"$cmd")
  run=$cmd
  case "$sub" in
    run | compare | sweep | verify)
      [[ "$cmd" == *--dry-run* ]] || run="$cmd --dry-run"
      ;;
    gate)
      if [[ "$cmd" == *" --run"* ]]; then
        # Two binaries measured 9 times each: gate_real_test runs this path.
        echo "skipped (measures; see gate_real_test): $file: $cmd"
        skipped=$((skipped + 1))
        continue
      fi
      ;;
  esac
  out=$(bash -c "$run" 2>&1 </dev/null)
  rc=$?
  if [[ $rc -eq 0 ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL ($file, exit $rc): $run"
    sed 's/^/    /' <<<"$out" | head -n 20
  fi
done < <(cd "$src" && extract README.md docs/*.md)

echo "examples: $pass passed, $fail failed, $skipped skipped"
if ((pass < 30)); then
  echo "FAIL: fewer than 30 examples found; is the extraction broken?"
  exit 1
fi
((fail == 0))
