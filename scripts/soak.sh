#!/usr/bin/env bash
# Soak (issue #12): one server under a bounded mixed load for MINUTES minutes
# (default 30): the dispatch simulator plus analysts (bench/soak.mjs:
# trajectories, co-travel, search, profiles, graphs, uploads), RSS sampled every
# 30 s. Prints errors, p50/p99 per kind and RSS over time; exits non-zero on
# any error. Loopback only. `make soak MINUTES=30`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
minutes=${1:-30}
bin=${JINGWU_BIN:-$root/build/jingwu}
work=$(mktemp -d /tmp/jingwu-soak.XXXXXX)
pw='Soak-Test-Pass-7421'
cleanup() {
  set +e  # the exit status is the run's, not that of a kill or wait here
  [ -n "${sim:-}" ] && kill "$sim" 2>/dev/null
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" gen --out "$work/gen" --seed 11 --scale small >/dev/null
for u in soak.admin:admin soak.analyst:analyst,investigator soak.dispatcher:dispatcher; do
  "$bin" user add --data "$work/data" --username "${u%%:*}" --roles "${u#*:}" --password "$pw" >/dev/null
done
"$bin" ingest --data "$work/data" --source all "$work/gen" --quiet >/dev/null
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 200); do
  url=$(sed -n 's/^jingwu serving \(http:[^ ]*\) .*/\1/p' "$work/server.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }
url=${url%/}
echo "soak: $minutes minutes against $url (server pid $server)"
echo "$pw" | "$bin" simulate dispatch --url "$url" --user soak.dispatcher --password-stdin \
  --calls-per-hour 600 --speed 10 --minutes "$minutes" --units 200 --flat >"$work/simulate.log" 2>&1 &
sim=$!
rc=0
node "$root/bench/soak.mjs" "$url" "$server" "$minutes" "$work/gen" "$pw" || rc=$?
wait "$sim" || { echo "soak: the dispatch simulator failed:"; tail -n 20 "$work/simulate.log"; rc=1; }
echo "soak: dispatch simulator: $(tail -n 3 "$work/simulate.log" | tr '\n' ' ')"
kill -0 "$server" 2>/dev/null || { echo "soak: the server died"; rc=1; }
internal=$(grep -c 'http.internal\|http.exception' "$work/server.log" || true)
echo "soak: internal errors logged by the server: $internal"
[ "$internal" = 0 ] || rc=1
exit $rc
