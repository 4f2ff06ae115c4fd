#!/usr/bin/env bash
# Run every benchmark; each prints its table and writes benchmarks/out/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p benchmarks/out
for b in benchmarks/bench_*.py; do
  echo "== $b"
  .venv/bin/python "$b" "$@"
done
