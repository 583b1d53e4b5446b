#!/usr/bin/env bash
# Installs every Debian package jingwu needs to build, test and run; installs
# only what is missing, so it is quick when everything is there. Needs root
# or sudo. npm packages are installed by scripts/build-web.sh and the test
# runners from the committed package-lock.json files.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (DESIGN.md "Dependencies")
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev nlohmann-json3-dev libsqlite3-dev libpq-dev
  libsodium-dev libcli11-dev libspdlog-dev libfmt-dev libcrack2-dev cracklib-runtime
  librocksdb-dev libsimdjson-dev libroaring-dev libxapian-dev libabsl-dev
  # fuzzing (scripts/fuzz.sh): clang++ and libclang_rt.fuzzer
  clang libclang-rt-14-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev postgresql sqlite3 python3
  # the side-by-side benchmark (make bench)
  clickhouse-server clickhouse-client
  # web app and browser tests
  nodejs npm chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may carry Node.js from elsewhere (a newer one); use it if so.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}")
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package may start a cluster on the default port; the
# tests start their own servers and do not need it.
