#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server on loopback for the tests.
#   eval "$(scripts/pg.sh start DIR)"   # exports JINGWU_TEST_PG_URL
#   scripts/pg.sh stop DIR
# The server runs as the postgres user (no server is assumed to be running)
# with trust authentication on 127.0.0.1 only, in DIR.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found; run scripts/install-deps.sh" >&2; exit 1; }
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    chown postgres "$dir" 2>/dev/null || true
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Tests trade durability for speed; JINGWU_PG_DURABLE=1 keeps it (a test
    # that kills the server and checks that acknowledged writes survive).
    fast="-c fsync=off -c synchronous_commit=off"
    [ -n "${JINGWU_PG_DURABLE:-}" ] && fast=""
    as_pg "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $fast" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres jingwu_test
    echo "export JINGWU_TEST_PG_URL='postgresql://postgres@127.0.0.1:$port/jingwu_test'"
    echo "export JINGWU_TEST_PG_PORT=$port"
    ;;
  stop)
    [ -d "$dir/pgdata" ] && as_pg "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
