#!/bin/bash
# A throwaway PostgreSQL 15 cluster for the tests, in a temporary folder, on
# a loopback port; stopped by the PID in its postmaster.pid (nothing of the
# system's own clusters is touched).
#
#   tests/pg/cluster.sh start        prints the folder; DIR/url holds the
#                                    libpq connection string (trust auth,
#                                    user sessionauth, database sessionauth)
#   tests/pg/cluster.sh restart DIR  pg_ctl restart -m fast (the fault test)
#   tests/pg/cluster.sh stop DIR     fast shutdown, waits, removes DIR
#
# initdb refuses to run as root: as root, the cluster belongs to an
# unprivileged user (postgres when Debian's package made it, else nobody)
# and its programs run as that user through runuser.
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

owner_of() {
  if [ "$(id -u)" -ne 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  OWNER=$(owner_of)
  local dir port
  # Under /tmp, not $TMPDIR: the owner must be able to reach it.
  dir=$(mktemp -d /tmp/sessionauth-pg-XXXXXX)
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$OWNER" "$dir"
  port=$(free_port)
  as_owner "$BIN/initdb" -D "$dir/data" -A trust -U sessionauth -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync off: a test cluster; a fast restart (the fault test) still shuts
  # down cleanly and loses nothing that was committed.
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  as_owner "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U sessionauth -d postgres -c "CREATE DATABASE sessionauth" >/dev/null
  printf 'host=127.0.0.1 port=%s user=sessionauth dbname=sessionauth\n' "$port" >"$dir/url"
  printf '%s\n' "$OWNER" >"$dir/owner"
  printf '%s\n' "$dir"
}

restart() {
  local dir=$1
  OWNER=$(cat "$dir/owner")
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
}

stop() {
  local dir=$1 pid i
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    # SIGINT: the fast shutdown; then wait for that PID to go.
    kill -INT "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  restart) restart "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start | restart DIR | stop DIR" >&2; exit 2 ;;
esac
