#!/usr/bin/env bash
# Runs the jingwu API test suite (Node 20's built-in test runner, no npm).
#   tests/api/run.sh                          # SQLite
#   JINGWU_TEST_DB=postgres tests/api/run.sh  # needs JINGWU_TEST_PG_URL/PORT (scripts/pg.sh start)
# JINGWU_BIN (default build/jingwu), JINGWU_TEST_CONCURRENCY (default 2),
# JINGWU_TEST_KEEP=1 keeps the temp data folders. Extra arguments replace the
# file list, e.g. tests/api/run.sh tests/api/login.test.mjs.
# Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JINGWU_BIN="${JINGWU_BIN:-build/jingwu}"
export JINGWU_TEST_DB="${JINGWU_TEST_DB:-sqlite}"
[ -x "$JINGWU_BIN" ] || { echo "run.sh: $JINGWU_BIN is not built" >&2; exit 2; }
command -v node >/dev/null || { echo "run.sh: node (20+) is required" >&2; exit 2; }
if [ "$JINGWU_TEST_DB" = sqlite ] && ! command -v sqlite3 >/dev/null; then
  echo "run.sh: the sqlite3 command is required (apt-get install -y sqlite3)" >&2; exit 2
fi
if [ "$JINGWU_TEST_DB" = postgres ]; then
  [ -n "${JINGWU_TEST_PG_URL:-}${JINGWU_TEST_PG_PORT:-}" ] || {
    echo "run.sh: JINGWU_TEST_DB=postgres needs JINGWU_TEST_PG_URL (eval \"\$(scripts/pg.sh start DIR)\")" >&2; exit 2; }
  command -v psql >/dev/null && command -v createdb >/dev/null || {
    echo "run.sh: psql and createdb are required" >&2; exit 2; }
fi
if [ $# -gt 0 ]; then files=("$@"); else files=(tests/api/*.test.mjs); fi
echo "jingwu API tests: backend $JINGWU_TEST_DB, binary $JINGWU_BIN, ${#files[@]} files"
# The server's request log goes to a file in its data folder, not to this output.
exec node --test --test-reporter=spec --test-concurrency="${JINGWU_TEST_CONCURRENCY:-2}" "${files[@]}"
