#!/usr/bin/env bash
# Stop the test lab started by test/lab/up.sh in DIR, using only the pids in DIR's
# pid files (and only when the process carries this lab's SLURMCAST_LAB_OWNER marker).
# Never kills anything by name: other labs may run on the same machine.
#
# Usage: bash test/lab/down.sh [DIR]   (DIR defaults to ${SLURMCAST_LAB_DIR:-/tmp/slurmcast-lab})
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/lab/lib.sh
source "$SCRIPT_DIR/lib.sh"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

LAB_DIR_ARG="${1:-${SLURMCAST_LAB_DIR:-/tmp/slurmcast-lab}}"
if [[ ! -d "$LAB_DIR_ARG" ]]; then
  lab_log "no lab directory at $LAB_DIR_ARG: nothing to stop"
  exit 0
fi
LAB_DIR="$(cd -- "$LAB_DIR_ARG" && pwd -P)"
if [[ ! -f "$LAB_DIR/.slurmcast-lab" ]]; then
  lab_log "$LAB_DIR is not a lab directory (no .slurmcast-lab): nothing to stop"
  exit 0
fi
RUN="$LAB_DIR/run"

pid_of() {
  lab_read_pid "$RUN/$1.pid"
}

# stop TIMEOUT_S NAME...: stop the daemons named by pid files RUN/NAME.pid, all at once.
stop() {
  local timeout_s="$1"
  shift
  local -a pids=()
  local name pid
  for name in "$@"; do
    pid="$(pid_of "$name")"
    [[ -n "$pid" ]] && pids+=("$pid")
  done
  ((${#pids[@]} > 0)) || return 0
  lab_stop_pids "$timeout_s" "$LAB_DIR" "${pids[@]}"
}

ctld_pid="$(pid_of slurmctld)"
if [[ -n "$ctld_pid" ]] && lab_pid_is_ours "$ctld_pid" "$LAB_DIR" && [[ -f "$LAB_DIR/slurm.conf" ]]; then
  # Cancel jobs first so their slurmstepd and job processes end with the lab.
  export SLURM_CONF="$LAB_DIR/slurm.conf"
  mapfile -t job_ids < <(timeout 10 squeue -h -o %A 2>/dev/null || true)
  if ((${#job_ids[@]} > 0)); then
    lab_log "cancelling ${#job_ids[@]} job(s)"
    timeout 10 scancel --full "${job_ids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while ((SECONDS < deadline)); do
      remaining="$(timeout 5 squeue -h -t running,completing -o %A 2>/dev/null || true)"
      [[ -z "$remaining" ]] && break
      sleep 0.5
    done
  fi
fi

stop 10 slurmrestd-local slurmrestd-jwt sshd influxd
slurmd_names=()
for pidfile in "$RUN"/slurmd-*.pid; do
  [[ -f "$pidfile" ]] || continue
  name="$(basename -- "$pidfile" .pid)"
  slurmd_names+=("$name")
done
if ((${#slurmd_names[@]} > 0)); then
  stop 20 "${slurmd_names[@]}"
fi
stop 20 slurmctld
stop 20 slurmdbd
stop 30 mariadbd
stop 10 munged

# Anything else still carrying this lab's marker: slurmstepd of jobs that would not
# cancel and a slurmd a resume program was still starting. Descendants first.
leftovers=()
for proc in /proc/[0-9]*; do
  pid="${proc#/proc/}"
  [[ "$pid" == "$$" ]] && continue
  if lab_pid_has_marker "$pid" "$LAB_DIR"; then
    leftovers+=("$pid")
  fi
done
if ((${#leftovers[@]} > 0)); then
  lab_log "stopping ${#leftovers[@]} leftover process(es) of this lab: ${leftovers[*]}"
  lab_stop_pids 5 "$LAB_DIR" "${leftovers[@]}"
fi

rm -f -- "$LAB_DIR/rest/slurmrestd.sock" "$LAB_DIR/munge/munge.sock" "$LAB_DIR/mysql/mysqld.sock"
rm -f -- "$RUN"/*.pid
lab_release_ports "$LAB_DIR"
lab_log "lab in $LAB_DIR stopped"
