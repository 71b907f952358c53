#!/usr/bin/env bash
# `npm test`: every tier. The integration tier's global setup installs (if needed) and starts a real
# Slurm lab, InfluxDB and sshd on loopback, and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# A few unit tests hold the SDK against the real scontrol, ssh-keygen and script(1). The lab installs
# them too, but the unit tier may run first: install what is missing now, and make those tests run
# (a missing tool then fails them instead of skipping them).
need=()
command -v scontrol >/dev/null || need+=(slurm-client)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v script >/dev/null || need+=(util-linux)
if ((${#need[@]} > 0)) && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
export SLURMCAST_TOOLS_REQUIRED=1
exec npx vitest run "$@"
