#!/usr/bin/env bash
# Runs the micro-benchmarks (SQLite and a throw-away PostgreSQL on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/jingwu-bench.XXXXXX)
chmod 755 "$work"
trap 'scripts/pg.sh stop "$work/pg"; rm -rf "$work"' EXIT
eval "$(scripts/pg.sh start "$work/pg")"
JINGWU_LOG_LEVEL=warn build/jingwu_bench "$@"
