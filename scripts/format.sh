#!/usr/bin/env bash
# Applies .clang-format to every C++ file under src/.
set -euo pipefail
cd "$(dirname "$0")/.."
find src bench -name '*.h' -o -name '*.cpp' 2>/dev/null | xargs -r clang-format -i
