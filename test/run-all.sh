#!/usr/bin/env bash
# `npm test`: every tier. The integration tier's global setup installs (if needed) and starts a real
# Slurm lab, InfluxDB and sshd on loopback, and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
exec npx vitest run "$@"
