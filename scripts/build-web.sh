#!/usr/bin/env bash
# Builds the web app into web/dist (skipped when nothing changed since the last build).
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --prefer-offline
fi
if [ -f dist/index.html ] && [ -z "$(find src public index.html package.json vite.config.ts tsconfig*.json -newer dist/index.html 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
npm run build
