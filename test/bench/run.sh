#!/usr/bin/env bash
# `npm run bench`: every benchmark, one after another; each writes its own section of docs/benchmarks.md.
# Benchmarks are slow on purpose and are not part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
for bench in test/bench/*.bench.ts; do
  echo "== $bench"
  npx tsx "$bench"
done
