#!/usr/bin/env bash
# SuspendProgram for the test lab's CLOUD nodes: "powers off" a node by stopping its
# slurmd through the pid in the lab's pid file. slurmctld calls it with a hostlist
# expression. The lab directory is the directory of SLURM_CONF.
#
# Only a pid whose environment carries this lab's SLURMCAST_LAB_OWNER marker is
# signalled, so a recycled pid or another lab's slurmd is never touched.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

hostlist="${1:?usage: lab-suspend.sh <hostlist>}"
slurm_conf="${SLURM_CONF:?SLURM_CONF must point at the lab slurm.conf}"
lab_dir="$(cd -- "$(dirname -- "$slurm_conf")" && pwd -P)"
log="$lab_dir/log/power.log"
stop_timeout_s=10

note() {
  printf '%s suspend: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
}

is_lab_pid() {
  local pid="$1" entry
  [[ -r "/proc/$pid/environ" ]] || return 1
  while IFS= read -r -d '' entry; do
    [[ "$entry" == "SLURMCAST_LAB_OWNER=$lab_dir" ]] && return 0
  done 2>/dev/null <"/proc/$pid/environ" || return 1
  return 1
}

mapfile -t nodes < <(scontrol show hostnames "$hostlist")
pids=()
for node in "${nodes[@]}"; do
  [[ "$node" =~ ^[A-Za-z0-9_-]+$ ]] || continue
  pidfile="$lab_dir/run/slurmd-$node.pid"
  pid=""
  [[ -f "$pidfile" ]] && read -r pid <"$pidfile" || true
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_lab_pid "$pid"; then
    note "stopping slurmd of $node (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  else
    note "no running slurmd for $node"
  fi
done

deadline=$((SECONDS + stop_timeout_s))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null && is_lab_pid "$pid"; then
    note "slurmd pid $pid still alive after ${stop_timeout_s}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
exit 0
