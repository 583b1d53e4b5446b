#!/usr/bin/env bash
# `make test`: every test of jingwu, against real engines.
#   1. unit tests (GoogleTest; the sql suite on SQLite and on PostgreSQL)
#   2. API tests (node:test) against the real server binary, on SQLite and on PostgreSQL
#   3. browser test (Playwright driving Debian's chromium) against the real server
# A throw-away PostgreSQL server is started on loopback and stopped at the end.
# Ends with one line "tests: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${JINGWU_BIN:-$root/build/jingwu}
work=$(mktemp -d /tmp/jingwu-test.XXXXXX)
chmod 755 "$work"
logs="${JINGWU_TEST_LOGS:-$work/logs}"  # JINGWU_TEST_LOGS=DIR keeps the logs
mkdir -p "$logs"
passed=0
failed=0
status=0

cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null
  scripts/pg.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

count() {  # count NAME PASS FAIL RC
  local name=$1 p=${2:-0} f=${3:-0} rc=$4
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # a crash counts as a failure
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$rc" -ne 0 ] && status=1
  printf '== %-28s %4d passed, %d failed\n' "$name" "$p" "$f"
}

echo "== starting PostgreSQL on loopback"
pg_env=$(scripts/pg.sh start "$work/pg") || { echo "cannot start PostgreSQL" >&2; exit 1; }
eval "$pg_env"

echo "== unit tests"
JINGWU_LOG_LEVEL=warn JINGWU_REQUIRE_PG=1 "$(dirname "$bin")/jingwu_tests" --gtest_brief=1 2>&1 | tee "$logs/unit.log" | grep -E "FAILED|PASSED|Failure" ; rc=${PIPESTATUS[0]}
p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$logs/unit.log" | tail -n 1)
f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$logs/unit.log" | tail -n 1)
count "unit (gtest)" "${p:-0}" "${f:-0}" "$rc"

echo "== fuzz smoke"
scripts/fuzz.sh smoke >"$logs/fuzz.log" 2>&1; rc=$?
p=$(sed -n 's/^fuzz: \([0-9]*\) passed, [0-9]* failed$/\1/p' "$logs/fuzz.log" | tail -n 1)
f=$(sed -n 's/^fuzz: [0-9]* passed, \([0-9]*\) failed$/\1/p' "$logs/fuzz.log" | tail -n 1)
[ "$rc" -ne 0 ] && tail -n 40 "$logs/fuzz.log"
count "fuzz smoke (libFuzzer)" "${p:-0}" "${f:-0}" "$rc"

for backend in sqlite postgres; do
  echo "== API tests on $backend"
  JINGWU_BIN="$bin" JINGWU_TEST_DB=$backend bash tests/api/run.sh >"$logs/api-$backend.log" 2>&1; rc=$?
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$logs/api-$backend.log" | tail -n 1)
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$logs/api-$backend.log" | tail -n 1)
  [ "$rc" -ne 0 ] && tail -n 80 "$logs/api-$backend.log"
  count "api ($backend)" "${p:-0}" "${f:-0}" "$rc"
done

echo "== browser test"
data="$work/browser-data"
"$bin" user add --data "$data" --username inspector1 --display-name 督察员 --roles inspector --password inspector-pass-1 >/dev/null
"$bin" user add --data "$data" --username dispatcher1 --display-name 调度员 --roles dispatcher --password dispatcher-pass-1 >/dev/null
"$bin" user add --data "$data" --username analyst1 --display-name 分析员 --roles analyst,investigator --password analyst-pass-1 >/dev/null
"$bin" user add --data "$data" --username clerk1 --display-name 窗口民警 --roles service_clerk --password clerk-pass-1 >/dev/null
"$bin" user add --data "$data" --username commander1 --display-name 指挥员 --roles commander --password commander-pass-1 >/dev/null
"$bin" user add --data "$data" --username admin1 --display-name 管理员 --roles admin --password admin-pass-1 >/dev/null
# A second inspector: inspection findings are decided by two (four eyes).
"$bin" user add --data "$data" --username inspector2 --display-name 督察员二 --roles inspector --password inspector-pass-2 >/dev/null
# A custody officer (监管民警; a sensitive role, granted here by the CLI, which needs no second admin).
"$bin" user add --data "$data" --username custody1 --display-name 监管民警 --roles custody_officer --password custody-pass-1 >/dev/null
# The demo city's case records, for the dashboard and the public statistics page.
"$bin" gen --out "$work/gen" --seed 1 >/dev/null
"$bin" cases import --data "$data" --from "$work/gen" >/dev/null
# The big-data sources of the same city, for the analysis pages (truth.json: what was planted).
"$bin" ingest --data "$data" --source all "$work/gen" --quiet >/dev/null
# The base registries of the same city (addresses, organisations, residents).
"$bin" registry import --data "$data" "$work/gen" >/dev/null
# The force of the same city (units, personnel, rosters, training, access history with
# planted misconduct, force_truth.json) and one inspection run over it.
"$bin" force import --data "$data" "$work/gen" >/dev/null
"$bin" force inspect --data "$data" --full >/dev/null
# The smart communities of the same city (gate passes are already in the event store as the
# access and barrier sources) and one run of their rules at the generated year's end.
"$bin" communities import --data "$data" --from "$work/gen" >/dev/null
"$bin" communities run --data "$data" --from "$work/gen" >/dev/null
# Grassroots records of the same city (supervision sites, disputes, partners and tips), their dates moved to end
# today, and the patrol officer of the phone app (the generated force links the account "patrol" to an officer).
"$bin" grassroots import --data "$data" --from "$work/gen" --shift-to-now >/dev/null
"$bin" user add --data "$data" --username patrol --display-name 巡逻民警 --roles patrol_officer --password street-beat-7731 >/dev/null
# Over HTTPS, as a bureau would run it: the pages load under HSTS and the CSP.
"$bin" cert self-signed --data "$data" >/dev/null
# The foreigner stays' clock at the generated year's end (truth.json stays.as_of), as `jingwu demo` sets it.
node -e 'const fs = require("fs"); const [cfg, truth] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(cfg, "utf8")); const t = JSON.parse(fs.readFileSync(truth, "utf8"));
  c.stays = { ...(c.stays ?? {}), as_of: t.stays.as_of }; fs.writeFileSync(cfg, JSON.stringify(c, null, 2) + "\n")' \
  "$data/config.json" "$work/gen/truth.json"
"$bin" serve --data "$data" --listen 127.0.0.1:0 --web web/dist >"$work/browser-server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^jingwu serving \(https\{0,1\}:[^ ]*\) .*/\1/p' "$work/browser-server.log")
  [ -n "$url" ] && break
  sleep 0.1
done
JINGWU_URL=${url%/} JINGWU_INSPECTOR_USER=inspector1 JINGWU_INSPECTOR_PASSWORD=inspector-pass-1 \
  JINGWU_DISPATCHER_USER=dispatcher1 JINGWU_DISPATCHER_PASSWORD=dispatcher-pass-1 \
  JINGWU_ANALYST_USER=analyst1 JINGWU_ANALYST_PASSWORD=analyst-pass-1 \
  JINGWU_CLERK_USER=clerk1 JINGWU_CLERK_PASSWORD=clerk-pass-1 \
  JINGWU_COMMANDER_USER=commander1 JINGWU_COMMANDER_PASSWORD=commander-pass-1 \
  JINGWU_ADMIN_USER=admin1 JINGWU_ADMIN_PASSWORD=admin-pass-1 JINGWU_TRUTH="$work/gen/truth.json" \
  JINGWU_INSPECTOR2_USER=inspector2 JINGWU_INSPECTOR2_PASSWORD=inspector-pass-2 \
  JINGWU_CUSTODY_USER=custody1 JINGWU_CUSTODY_PASSWORD=custody-pass-1 \
  JINGWU_PATROL_USER=patrol JINGWU_PATROL_PASSWORD=street-beat-7731 \
  bash tests/browser/run.sh >"$logs/browser.log" 2>&1; rc=$?
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""
p=$(sed -n 's/^ *\([0-9]*\) passed.*/\1/p' "$logs/browser.log" | tail -n 1)
f=$(sed -n 's/^ *\([0-9]*\) failed.*/\1/p' "$logs/browser.log" | tail -n 1)
[ "$rc" -ne 0 ] && tail -n 60 "$logs/browser.log"
count "browser (playwright)" "${p:-0}" "${f:-0}" "$rc"

echo "tests: $passed passed, $failed failed"
exit $status
