#!/usr/bin/env bash
# Crash-restore verification of a server backend against the server that
# `make test` started (scripts/servers.sh). Checks that buffered mode is
# exactly-once and, for redis, that write-through mode is caught
# resurrecting writes made after the checkpoint.
set -uo pipefail
bin=$1
backend=$2
case "$backend" in
  redis) uri=${STATEBENCH_TEST_REDIS_URI:-}; pass=${STATEBENCH_TEST_REDIS_PASSWORD_FILE:-} ;;
  postgres) uri=${STATEBENCH_TEST_POSTGRES_URI:-}; pass=${STATEBENCH_TEST_POSTGRES_PASSWORD_FILE:-} ;;
  *) echo "unknown backend $backend"; exit 2 ;;
esac
if [[ -z "$uri" ]]; then
  if [[ "${STATEBENCH_REQUIRE_SERVERS:-0}" == 1 ]]; then
    echo "no $backend server: STATEBENCH_TEST_*_URI is not set"; exit 1
  fi
  echo "skipped: no $backend server (make test starts one)"; exit 77
fi
common=(verify --backend "$backend" --backend-opt "uri=$uri" --backend-opt "password_file=$pass"
        --keys 3000 --cycles 5 --rescale 1:2,2:1,2:3 -q)
"$bin" "${common[@]}"
rc=$?
if [[ $rc -ne 0 ]]; then
  echo "FAIL: $backend (buffered/transactional) verify exited $rc"; exit 1
fi
if [[ "$backend" == redis ]]; then
  out=$("$bin" verify --backend redis --backend-opt "uri=$uri" --backend-opt "password_file=$pass" \
        --backend-opt mode=write-through --keys 3000 --cycles 3 -q)
  rc=$?
  echo "$out"
  if [[ $rc -ne 1 ]]; then
    echo "FAIL: write-through verify should exit 1 (not exactly-once), got $rc"; exit 1
  fi
  if ! grep -Eq "resurrected [1-9]" <<<"$out"; then
    echo "FAIL: write-through was not caught resurrecting post-checkpoint writes"; exit 1
  fi
fi
echo "ok"
