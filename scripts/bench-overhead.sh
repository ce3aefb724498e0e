#!/usr/bin/env bash
# What statebench's measurement costs: builds a Release tree, runs
# bench/overhead_benchmark (direct library loops vs statebench's harness,
# latency-sample cost, own memory at P=2, write amplification vs RocksDB's
# statistics), then RocksDB's own db_bench beside `statebench run --backend
# rocksdb` with equivalent settings, and prints a summary of medians.
#
#   scripts/bench-overhead.sh [--build-dir DIR] [--out DIR] [--reps N]
#                             [--keys N] [--db-bench-keys N] [--servers]
#                             [--skip-gbench] [--skip-db-bench]
#
#   --servers   also measure redis and postgres on private servers started
#               by scripts/servers.sh (stopped on exit); without it they are
#               measured only when STATEBENCH_TEST_*_URI are already set.
# Figures are medians over --reps repetitions (default 3). The machine's
# load average is printed: figures from a loaded machine are noisy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/release"
out=""
reps=3
keys=100000
db_keys=1000000
servers=0
run_gbench=1
run_db_bench=1
while (($#)); do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --db-bench-keys) db_keys=$2; shift 2 ;;
    --servers) servers=1; shift ;;
    --skip-gbench) run_gbench=0; shift ;;
    --skip-db-bench) run_db_bench=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench-overhead: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "bench-overhead: --reps must be a positive integer" >&2; exit 2; }
[[ -z "$out" ]] && out=$(mktemp -d "${TMPDIR:-/tmp}/statebench-overhead.XXXXXX")
mkdir -p "$out"

machine() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average:$(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/ /')"
}
median() {  # median of the numbers on stdin
  sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b+0 == 0) print "n/a"; else printf "%.3f", a/b}'; }

machine
echo "results in $out"

echo "== build (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" statebench overhead_benchmark >/dev/null
statebench="$build/bench/statebench"
overhead="$build/bench/overhead_benchmark"

server_state=""
cleanup() {
  if [[ -n "$server_state" ]]; then "$root/scripts/servers.sh" stop "$server_state" || true; fi
}
trap cleanup EXIT
if ((servers)); then
  server_state=$(mktemp -d "${TMPDIR:-/tmp}/statebench-overhead-servers.XXXXXX")
  "$root/scripts/servers.sh" start "$server_state"
  # shellcheck disable=SC1091
  source "$server_state/env"
fi

if ((run_gbench)); then
  echo "== overhead_benchmark ($reps repetitions, $keys keys)"
  machine
  "$overhead" --keys="$keys" --benchmark_repetitions="$reps" \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/overhead.json" --benchmark_out_format=json \
    2> >(tee "$out/overhead.stderr" >&2)
fi

# --- db_bench beside statebench ---------------------------------------------
# statebench's rocksdb backend defaults (backends/rocksdb/rocksdb_options.cc): 64 MiB
# write buffer, 64 MiB LRU block cache, snappy, WAL off, 2 background jobs,
# statistics tickers only (kExceptHistogramOrTimers = stats_level 1), no
# bloom filter, 4 KiB blocks. value-rw values are random bytes (compression
# ratio 1.0). statebench stores a 19-byte RocksDB key for a 16-byte key
# (key-group byte + two length varints); db_bench stores the 16 bytes.
db_common=(--key_size=16 --value_size=100 --threads=1 --compression_type=snappy
  --compression_ratio=1.0 --disable_wal=1 --write_buffer_size=67108864
  --cache_size=67108864 --max_background_jobs=2 --bloom_bits=0
  --statistics=1 --stats_level=1 --num="$db_keys")
sb_common=(run --backend rocksdb --workload value-rw --keys "$db_keys" --key-size 16
  --value-size 100 --distribution uniform --parallelism 1 --checkpoint-interval 0
  --warmup 1 --duration 5 --no-restore --quiet)

db_bench_rate() {  # db_bench_rate BENCHMARK LOGFILE -> ops/s of that benchmark
  awk -v b="$1" '$1 == b && $2 == ":" {for (i = 3; i <= NF; ++i) if ($(i+1) == "ops/sec") print $i}' "$2" | tail -n 1
}

# statebench loads keys in key-index order, which is not RocksDB's sort
# order (the key-group byte leads every key, as in Flink), so every key is
# written once in an order unrelated to the sort order: db_bench's
# filluniquerandom. Reads and overwrites then run on that same layout.
if ((run_db_bench)); then
  command -v db_bench >/dev/null || "$root/scripts/install-deps.sh"
  echo "== db_bench vs statebench run, $db_keys keys, $reps repetitions"
  echo "db_bench ${db_common[*]} --db=DIR --benchmarks=fillrandom"
  echo "db_bench ${db_common[*]} --db=DIR --benchmarks=filluniquerandom,readrandom"
  echo "db_bench ${db_common[*]} --db=DIR --benchmarks=filluniquerandom,overwrite"
  echo "statebench ${sb_common[*]} --read-fraction 1   (fill = its load phase; measured = uniform reads)"
  echo "statebench ${sb_common[*]} --read-fraction 0   (measured = uniform overwrites)"
  : >"$out/rates.txt"
  for ((r = 1; r <= reps; ++r)); do
    machine
    for spec in fillrandom filluniquerandom,readrandom filluniquerandom,overwrite; do
      dir=$(mktemp -d "${TMPDIR:-/tmp}/statebench-dbbench.XXXXXX")
      log="$out/db_bench-${spec//,/-}-$r.log"
      db_bench "${db_common[@]}" --db="$dir" --benchmarks="$spec" >"$log" 2>&1
      rm -rf "$dir"
      for b in ${spec//,/ }; do
        echo "db_bench_$b $(db_bench_rate "$b" "$log")" >>"$out/rates.txt"
      done
    done
    for rf in 0 1; do
      json="$out/statebench-rf$rf-$r.json"
      "$statebench" "${sb_common[@]}" --read-fraction "$rf" -o "$json" >"$out/statebench-rf$rf-$r.log"
      echo "statebench_rf$rf $(jq -r '.runs[0].repetitions[0].ops_per_s' "$json")" >>"$out/rates.txt"
      echo "statebench_load $(jq -r '.runs[0].repetitions[0] | .load_ops / .load_duration_s' "$json")" >>"$out/rates.txt"
    done
  done
fi

# --- summary -----------------------------------------------------------------
echo
echo "== summary (medians over $reps repetitions)"
machine
if ((run_gbench)) && [[ -s "$out/overhead.json" ]]; then
  jq -r '
    .benchmarks[] | select(.aggregate_name == "median") |
    if (.run_name | startswith("Paired/")) then
      "\(.run_name): direct \(.direct_ops_per_s | floor) ops/s, harness \(.harness_ops_per_s | floor) ops/s, ratio \(.ratio * 1000 | round / 1000) (by CPU time \(.cpu_ratio * 1000 | round / 1000))"
    elif (.run_name | startswith("FullHarness/")) then
      "\(.run_name): RunBenchmark \(.harness_ops_per_s | floor) ops/s vs direct \(.direct_ops_per_s | floor) ops/s, ratio \(.ratio * 1000 | round / 1000) (1 in \(.sample_every) timed)"
    elif (.run_name | startswith("Record/")) then
      "\(.run_name): \(.real_time * 10 | round / 10) ns per op"
    elif (.run_name | startswith("Footprint/")) then
      "\(.run_name): peak RSS \(.peak_rss_MiB * 10 | round / 10) MiB, growth over the run \(.growth_MiB * 10 | round / 10) MiB (state \(.state_logical_MiB * 100 | round / 100) MiB logical; one histogram \(.histogram_KiB | round) KiB)"
    elif (.run_name | startswith("WriteAmp/")) then
      "\(.run_name): statebench WA \(.statebench_wa * 1000 | round / 1000), RocksDB event log WA \(.rocksdb_eventlog_wa * 1000 | round / 1000), agreement \(.agreement * 1000 | round / 1000); vs RocksDB ingest bytes \(.wa_vs_ingest * 1000 | round / 1000)"
    elif (.run_name | startswith("Direct/")) or (.run_name | startswith("Harness/")) or (.run_name | startswith("Layers/")) then
      "\(.run_name): \(.items_per_second | floor) ops/s (\(.items_per_second * .real_time / .cpu_time | floor) ops per CPU second)" + (if .vs_direct then ", vs direct \(.vs_direct * 1000 | round / 1000)" else "" end)
    else empty end' "$out/overhead.json"
fi
if ((run_db_bench)) && [[ -s "$out/rates.txt" ]]; then
  get() { awk -v k="$1" '$1 == k {print $2}' "$out/rates.txt" | median; }
  fr=$(get db_bench_fillrandom); fu=$(get db_bench_filluniquerandom)
  rr=$(get db_bench_readrandom); ow=$(get db_bench_overwrite)
  sl=$(get statebench_load); sr=$(get statebench_rf1); sf=$(get statebench_rf0)
  printf 'db_bench fillrandom %.0f, filluniquerandom %.0f, readrandom %.0f, overwrite %.0f ops/s\n' "$fr" "$fu" "$rr" "$ow"
  printf 'statebench rocksdb fill (load phase) %.0f, get %.0f, put %.0f ops/s\n' "$sl" "$sr" "$sf"
  echo "ratio statebench fill / db_bench fillrandom:       $(ratio "$sl" "$fr")"
  echo "ratio statebench fill / db_bench filluniquerandom: $(ratio "$sl" "$fu")"
  echo "ratio statebench get / db_bench readrandom:        $(ratio "$sr" "$rr")"
  echo "ratio statebench put / db_bench overwrite:         $(ratio "$sf" "$ow")"
fi
