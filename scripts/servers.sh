#!/usr/bin/env bash
# Starts or stops a private redis-server and PostgreSQL on loopback for tests.
#
#   scripts/servers.sh start STATE_DIR   # writes STATE_DIR/env (source it)
#   scripts/servers.sh stop  STATE_DIR
#
# Each server runs on a free port on 127.0.0.1 with its data in a private
# temporary directory (mode 0700) and a password (in a 0600 file). Nothing
# outside STATE_DIR and those directories is touched; stop kills only the
# processes whose pids start recorded.
set -euo pipefail

cmd=${1:-}
state=${2:-}
if [[ -z "$cmd" || -z "$state" ]]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
fi

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "servers: no free port found" >&2
  return 1
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$d" ]] || { echo "servers: PostgreSQL binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$d"
}

# Runs a command as the unprivileged 'postgres' user when we are root
# (PostgreSQL refuses to run as root), else as ourselves.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

start() {
  mkdir -p "$state"
  chmod 700 "$state"
  umask 077

  # --- redis ---------------------------------------------------------------
  local redis_dir redis_port redis_pass
  redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/statebench-redis.XXXXXX")
  redis_port=$(free_port)
  redis_pass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s' "$redis_pass" >"$state/redis.pass"
  cat >"$redis_dir/redis.conf" <<CONF
bind 127.0.0.1
port $redis_port
dir $redis_dir
daemonize no
save ""
appendonly no
requirepass $redis_pass
logfile $redis_dir/redis.log
CONF
  redis-server "$redis_dir/redis.conf" &
  echo $! >"$state/redis.pid"
  echo "$redis_dir" >"$state/redis.dir"
  if ! wait_for 10 redis-cli -h 127.0.0.1 -p "$redis_port" --no-auth-warning -a "$redis_pass" ping; then
    echo "servers: redis-server did not start; log:" >&2
    cat "$redis_dir/redis.log" >&2 || true
    return 3
  fi

  # --- postgres ------------------------------------------------------------
  local bindir pg_dir pg_port pg_pass
  bindir=$(pg_bindir)
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/statebench-pg.XXXXXX")
  pg_port=$(free_port)
  pg_pass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s' "$pg_pass" >"$state/pg.pass"
  printf '%s' "$pg_pass" >"$pg_dir/pwfile"
  if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$pg_dir"; fi
  echo "$pg_dir" >"$state/pg.dir"
  as_pg "$bindir/initdb" -D "$pg_dir/data" -U statebench --pwfile="$pg_dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$pg_dir/initdb.log" 2>&1 || {
    echo "servers: initdb failed; log:" >&2; cat "$pg_dir/initdb.log" >&2; return 3; }
  rm -f "$pg_dir/pwfile"
  cat >>"$pg_dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_dir'
max_connections = 50
shared_buffers = 128MB
CONF
  as_pg "$bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 30 start >/dev/null || {
    echo "servers: postgres did not start; log:" >&2; cat "$pg_dir/postgres.log" >&2; return 3; }
  head -n 1 "$pg_dir/data/postmaster.pid" >"$state/pg.pid"
  as_pg "$bindir/createdb" -h "$pg_dir" -p "$pg_port" -U statebench statebench

  cat >"$state/env" <<ENV
export STATEBENCH_TEST_REDIS_URI=redis://127.0.0.1:$redis_port/0
export STATEBENCH_TEST_REDIS_PASSWORD_FILE=$state/redis.pass
export STATEBENCH_TEST_REDIS_PID=$(cat "$state/redis.pid")
export STATEBENCH_TEST_POSTGRES_URI=postgresql://statebench@127.0.0.1:$pg_port/statebench
export STATEBENCH_TEST_POSTGRES_PASSWORD_FILE=$state/pg.pass
export STATEBENCH_TEST_POSTGRES_PID=$(cat "$state/pg.pid")
export STATEBENCH_PG_BINDIR=$bindir
ENV
  echo "servers: redis on 127.0.0.1:$redis_port, postgres on 127.0.0.1:$pg_port (state in $state)"
}

stop() {
  [[ -d "$state" ]] || return 0
  if [[ -f "$state/redis.pid" ]]; then
    kill "$(cat "$state/redis.pid")" 2>/dev/null || true
  fi
  if [[ -f "$state/pg.dir" ]]; then
    local pg_dir bindir
    pg_dir=$(cat "$state/pg.dir")
    bindir=$(pg_bindir || true)
    if [[ -n "$bindir" && -d "$pg_dir/data" ]]; then
      as_pg "$bindir/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [[ -f "$state/pg.pid" ]] && kill -9 "$(cat "$state/pg.pid")" 2>/dev/null || true
    rm -rf "$pg_dir"
  fi
  if [[ -f "$state/redis.dir" ]]; then
    sleep 0.2
    [[ -f "$state/redis.pid" ]] && kill -9 "$(cat "$state/redis.pid")" 2>/dev/null || true
    rm -rf "$(cat "$state/redis.dir")"
  fi
  rm -rf "$state"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac
