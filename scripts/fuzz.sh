#!/usr/bin/env bash
# libFuzzer targets of fuzz/ (docs/fuzzing.md). Builds fuzz/ with clang++ into
# build-fuzz/ and runs every target (or the ones named):
#   scripts/fuzz.sh smoke [TARGET...]        # SMOKE_RUNS (20000) executions each, -seed=1, on a
#                                            # throw-away copy of fuzz/corpus; ends "fuzz: N passed, M failed"
#   scripts/fuzz.sh long [RUNS] [TARGET...]  # RUNS (10000000) executions each, one process at a time,
#                                            # growing build-fuzz/corpus/TARGET (seeded from fuzz/corpus)
#   FUZZ_MAX_TIME=SECONDS scripts/fuzz.sh long ...  # also stop each target after SECONDS
# Crashing inputs go to build-fuzz/crashes/; exits non-zero if any target fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${FUZZ_BUILD:-$root/build-fuzz}
mode=${1:-smoke}
shift || true
runs=${SMOKE_RUNS:-20000}
if [ "$mode" = long ]; then
  runs=10000000
  if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
elif [ "$mode" != smoke ]; then
  echo "usage: scripts/fuzz.sh smoke|long [RUNS] [TARGET...]" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_identity fuzz_time fuzz_csv fuzz_json_body)

cxx=$(command -v clang++ || command -v clang++-14) || { echo "fuzz: clang++ not found (scripts/install-deps.sh)" >&2; exit 1; }
start=$(date +%s)
mkdir -p "$out"
if [ ! -f "$out/build.ninja" ]; then
  cmake -S fuzz -B "$out" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >"$out/cmake.log" 2>&1 \
    || { cat "$out/cmake.log" >&2; exit 1; }
fi
cmake --build "$out" -j "${FUZZ_JOBS:-2}" --target "${targets[@]}" >"$out/build.log" 2>&1 \
  || { tail -n 60 "$out/build.log" >&2; echo "fuzz: build failed" >&2; exit 1; }
echo "fuzz: built ${targets[*]} in $(($(date +%s) - start)) s ($out)"

crashes=$out/crashes
mkdir -p "$crashes"
work=$(mktemp -d /tmp/jingwu-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in "${targets[@]}"; do
  log=$out/$t.$mode.log
  t0=$(date +%s%N)
  if [ "$mode" = smoke ]; then
    corpus=$work/$t
    mkdir -p "$corpus"
    cp -r "fuzz/corpus/$t/." "$corpus/" 2>/dev/null
    "$out/$t" -runs="$runs" -seed=1 -timeout=30 -artifact_prefix="$crashes/$t-" "$corpus" >"$log" 2>&1
    rc=$?
  else
    corpus=$out/corpus/$t
    mkdir -p "$corpus"
    cp -rn "fuzz/corpus/$t/." "$corpus/" 2>/dev/null
    # -jobs=1 -workers=1: one fuzzing process (a child writing fuzz-0.log in its folder), so a
    # long run keeps to one core.
    mkdir -p "$work/$t"
    (cd "$work/$t" && "$out/$t" -runs="$runs" ${FUZZ_MAX_TIME:+-max_total_time=$FUZZ_MAX_TIME} \
      -jobs=1 -workers=1 -print_final_stats=1 -timeout=60 \
      -artifact_prefix="$crashes/$t-" "$corpus") >"$log" 2>&1
    rc=$?
  fi
  ms=$((($(date +%s%N) - t0) / 1000000))
  secs=$((ms / 1000)).$((ms % 1000 / 100))
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -z "$execs" ] && execs=$(echo "$done_line" | sed -n 's/^Done \([0-9]*\) runs.*/\1/p')
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'fuzz: %-16s passed  %9s execs in %6s s  corpus %s files\n' "$t" "${execs:-?}" "$secs" \
      "$(find "$corpus" -type f | wc -l)"
  else
    failed=$((failed + 1))
    printf 'fuzz: %-16s FAILED  (exit %d after %s s; log %s)\n' "$t" "$rc" "$secs" "$log"
    grep -E 'ERROR: |invariant failed|input: |SUMMARY|Test unit written to' "$log" | head -n 12 | sed 's/^/    /'
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
