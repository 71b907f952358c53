#!/usr/bin/env bash
# Shared helpers for test/lab/up.sh and test/lab/down.sh (sourced, not run).
#
# Identity of a lab's processes: every daemon the lab starts carries
# SLURMCAST_LAB_OWNER=<lab dir> in its environment. down.sh only signals a pid
# from a pid file when that marker matches, so a recycled pid or another lab's
# daemon is never hit. Nothing is ever looked up or killed by process name.

LAB_PORT_REGISTRY="${SLURMCAST_LAB_PORT_REGISTRY:-/tmp/slurmcast-lab-ports}"

lab_log() {
  printf '[lab] %s\n' "$*" >&2
}

# lab_pid_has_marker PID DIR: true when PID is alive and its environment carries
# this lab's SLURMCAST_LAB_OWNER marker.
lab_pid_has_marker() {
  local pid="$1" dir="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/environ" ]] || return 1
  local marker="SLURMCAST_LAB_OWNER=$dir"
  local entry
  while IFS= read -r -d '' entry; do
    if [[ "$entry" == "$marker" ]]; then
      return 0
    fi
  done 2>/dev/null <"/proc/$pid/environ" || return 1
  return 1
}

# lab_pid_is_ours PID DIR: true when PID (taken from one of the lab's pid files) is
# alive and belongs to the lab in DIR: it carries the marker, or, for daemons that
# rewrite their process title over their environment (sshd), its command line names
# a file inside DIR.
lab_pid_is_ours() {
  local pid="$1" dir="$2"
  lab_pid_has_marker "$pid" "$dir" && return 0
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  local arg
  while IFS= read -r -d '' arg; do
    if [[ "$arg" == "$dir/"* || "$arg" == *" $dir/"* || "$arg" == *"=$dir/"* ]]; then
      return 0
    fi
  done 2>/dev/null <"/proc/$pid/cmdline" || return 1
  return 1
}

# lab_read_pid FILE: prints the first number in a pid file, or nothing.
lab_read_pid() {
  local file="$1" pid=""
  [[ -f "$file" ]] || return 0
  read -r pid <"$file" || true
  pid="${pid//[[:space:]]/}"
  if [[ "$pid" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$pid"
  fi
}

# lab_stop_pids TIMEOUT_S DIR PID...: SIGTERM all given pids of this lab at once,
# wait up to TIMEOUT_S, then SIGKILL whatever is still alive.
lab_stop_pids() {
  local timeout_s="$1" dir="$2"
  shift 2
  local -a alive=()
  local pid
  for pid in "$@"; do
    if lab_pid_is_ours "$pid" "$dir"; then
      kill -TERM "$pid" 2>/dev/null || true
      alive+=("$pid")
    fi
  done
  ((${#alive[@]} > 0)) || return 0
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    local -a still=()
    for pid in "${alive[@]}"; do
      if kill -0 "$pid" 2>/dev/null && lab_pid_is_ours "$pid" "$dir"; then
        # A zombie still answers kill -0; treat it as gone.
        if [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]]; then
          still+=("$pid")
        fi
      fi
    done
    ((${#still[@]} > 0)) || return 0
    alive=("${still[@]}")
    sleep 0.2
  done
  for pid in "${alive[@]}"; do
    if lab_pid_is_ours "$pid" "$dir"; then
      lab_log "pid $pid did not stop after ${timeout_s}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# lab_release_ports DIR: drop this lab's claims in the shared port registry.
lab_release_ports() {
  local dir="$1" claim owner
  [[ -d "$LAB_PORT_REGISTRY" ]] || return 0
  for claim in "$LAB_PORT_REGISTRY"/[0-9]*; do
    [[ -f "$claim" ]] || continue
    owner=""
    read -r owner <"$claim" || true
    if [[ "$owner" == "$dir" ]]; then
      rm -f -- "$claim"
    fi
  done
}
