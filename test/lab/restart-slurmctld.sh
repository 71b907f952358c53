#!/usr/bin/env bash
# Restart the lab's slurmctld, as a controller restart on a real cluster would: stop it by the pid in
# its own pid file (only when it carries this lab's marker), start it again on its saved state, and
# wait until it answers. For fault tests ("slurmctld restarted between two operations").
#
# Usage: bash test/lab/restart-slurmctld.sh DIR
# With --stop-only, leaves it stopped (start it again with --start-only).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/lab/lib.sh
source "$SCRIPT_DIR/lib.sh"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

LAB_DIR_ARG="${1:?usage: restart-slurmctld.sh DIR [--stop-only|--start-only]}"
MODE="${2:-restart}"
LAB_DIR="$(cd -- "$LAB_DIR_ARG" && pwd -P)"
[[ -f "$LAB_DIR/.slurmcast-lab" ]] || {
  lab_log "$LAB_DIR is not a lab directory"
  exit 1
}
export SLURMCAST_LAB_OWNER="$LAB_DIR"
export SLURM_CONF="$LAB_DIR/slurm.conf"

if [[ "$MODE" != "--start-only" ]]; then
  pid="$(lab_read_pid "$LAB_DIR/run/slurmctld.pid")"
  if [[ -n "$pid" ]]; then
    lab_stop_pids 20 "$LAB_DIR" "$pid"
  fi
  lab_log "slurmctld stopped"
fi
if [[ "$MODE" != "--stop-only" ]]; then
  slurmctld </dev/null >>"$LAB_DIR/log/slurmctld.log" 2>&1
  deadline=$((SECONDS + 30))
  until scontrol ping >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      lab_log "slurmctld did not answer within 30 s; see $LAB_DIR/log/slurmctld.log"
      exit 1
    fi
    sleep 0.2
  done
  # After a restart every node is UNKNOWN until its slurmd registers again (a few seconds).
  until ! scontrol -o show node 2>/dev/null | grep -q 'State=UNKNOWN'; do
    if ((SECONDS >= deadline)); then
      lab_log "nodes did not register again within 30 s; see $LAB_DIR/log/slurmctld.log"
      exit 1
    fi
    sleep 0.2
  done
  lab_log "slurmctld answers again and every node has registered"
fi
