#!/usr/bin/env bash
# ResumeProgram for the test lab's CLOUD nodes: "boots" a node by starting its slurmd
# on this machine. slurmctld calls it with a hostlist expression (e.g. "c5" or "c[5-6]").
#
# The lab directory is the directory of SLURM_CONF, which slurmctld puts in the
# environment of its power programs.
#
# Two details make this work:
#  - slurmctld runs power programs with most signals blocked; a slurmd that inherits
#    that mask hangs half-started and ignores SIGTERM, so the mask is cleared first.
#  - slurmctld only accepts a resumed node whose boot time is after the resume request,
#    so slurmd runs in a fresh time namespace whose uptime starts near zero, after a
#    short delay.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

hostlist="${1:?usage: lab-resume.sh <hostlist>}"
slurm_conf="${SLURM_CONF:?SLURM_CONF must point at the lab slurm.conf}"
lab_dir="$(cd -- "$(dirname -- "$slurm_conf")" && pwd -P)"
log="$lab_dir/log/power.log"
boot_delay_s=2

export SLURM_CONF="$slurm_conf"
export SLURMCAST_LAB_OWNER="$lab_dir"

note() {
  printf '%s resume: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
}

# boot_node NODE: runs in its own session (see the end of this file), detached
# from slurmctld's process group.
boot_node() {
  local node="$1" uptime_s
  sleep "$boot_delay_s"
  read -r uptime_s _ </proc/uptime
  uptime_s="${uptime_s%.*}"
  note "starting slurmd -N $node (boot-time offset -$uptime_s s)"
  # perl clears the inherited signal mask and ignored signals, then execs unshare.
  exec perl -MPOSIX -e '
    sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die "sigprocmask: $!";
    for my $sig (keys %SIG) { next if $sig =~ /^(KILL|STOP|__.*)$/; $SIG{$sig} = "DEFAULT"; }
    exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!";
  ' unshare --fork --time --boottime "-$uptime_s" /usr/sbin/slurmd -N "$node"
}

if [[ "$hostlist" == "--boot" ]]; then
  boot_node "${2:?--boot needs a node name}"
fi

mapfile -t nodes < <(scontrol show hostnames "$hostlist")
for node in "${nodes[@]}"; do
  [[ "$node" =~ ^[A-Za-z0-9_-]+$ ]] || {
    note "refusing odd node name: $node"
    continue
  }
  mkdir -p "$lab_dir/spool/$node"
  # A powered-down CLOUD node can lose its address; set it before the node boots.
  scontrol update NodeName="$node" NodeAddr=127.0.0.1 NodeHostname=localhost >>"$log" 2>&1 || true
  note "resume requested for $node"
  setsid "$0" --boot "$node" </dev/null >>"$log" 2>&1 &
done
exit 0
