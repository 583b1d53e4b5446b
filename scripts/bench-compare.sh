#!/usr/bin/env bash
# Builds Release and runs `jingwu bench compare` in a throw-away work folder
# under /tmp (removed at the end; results.md is copied to bench/last-compare.md).
#   scripts/bench-compare.sh --events 10000000 [--peers sqlite,postgres,clickhouse] [--repeat 11]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
ninja -C "$BUILD" -j"${JOBS:-1}" jingwu
work=$(mktemp -d /tmp/jingwu-bench-compare.XXXXXX)
chmod 755 "$work"
trap 'scripts/pg.sh stop "$work/pg" >/dev/null 2>&1 || true; cp -f "$work/results.md" bench/last-compare.md 2>/dev/null || true; rm -rf "$work"' EXIT
"$BUILD/jingwu" bench compare --work "$work" "$@"
