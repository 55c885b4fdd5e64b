#!/usr/bin/env bash
# Runs imgpolicy's test suite on a fresh machine: installs and starts what the tests
# need (Docker engine, registry, Go, busybox, zstd; see bootstrap.sh), installs the
# npm dependencies when missing, builds, and runs vitest. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export TESTCONTAINERS_RYUK_DISABLED=true
npm test -- "$@"
