#!/usr/bin/env bash
# Slurm Prolog and Epilog (slurm.conf `Prolog=` / `Epilog=`; slurmd runs it as root on each node of
# a job): takes one `nvidia-smi -q -x` sample for the job's GPUs and appends it as one JSON line to
# $SLURMCAST_GPU_SPOOL_DIR/gpu-samples-<node>.jsonl. `slurmcast` reads those files into the history
# store (docs/gpu-use.md). The XML is kept as nvidia-smi printed it: the one parser that reads it is
# the SDK's (sdk/parse/nvidia-smi.ts), so this script never has to understand a driver's format.
#
# It always exits 0: a failing Prolog makes slurmd drain the node, and a missed sample must never
# cost a node. slurmd discards a Prolog's output, so problems are appended to
# $SLURMCAST_GPU_SPOOL_DIR/gpu-sample-errors.log (and written to stderr).
#
# Environment (from slurmd): SLURM_JOB_ID, SLURM_JOB_USER, SLURMD_NODENAME, SLURM_JOB_GPUS or
# CUDA_VISIBLE_DEVICES, SLURM_SCRIPT_CONTEXT. Set by the site: SLURMCAST_GPU_SPOOL_DIR (default
# /var/spool/slurmcast/gpu), PATH to find nvidia-smi.
set -u

spool_dir="${SLURMCAST_GPU_SPOOL_DIR:-/var/spool/slurmcast/gpu}"
note() {
  local text
  text="$(date -u +%FT%TZ) ${SLURMD_NODENAME:-?} slurmcast gpu-sample: $*"
  printf '%s\n' "$text" >&2
  printf '%s\n' "$text" >>"$spool_dir/gpu-sample-errors.log" 2>/dev/null || true
}

sample() {
  local job="${SLURM_JOB_ID:-}" node="${SLURMD_NODENAME:-}" gpus="${SLURM_JOB_GPUS:-${CUDA_VISIBLE_DEVICES:-}}"
  [[ -n "$gpus" && "$gpus" != "NoDevFiles" ]] || return 0 # not a GPU job on this node
  if [[ -z "$job" || -z "$node" ]]; then
    note "SLURM_JOB_ID or SLURMD_NODENAME is not set: not run by slurmd?"
    return 0
  fi
  local dir="$spool_dir" xml at_s
  if ! mkdir -p -- "$dir"; then
    note "cannot create $dir"
    return 0
  fi
  at_s="$(date +%s.%N)"
  # stdout only: a warning on stderr must not end up inside the XML (nvidia-smi prints its own
  # failures, such as "could not communicate with the NVIDIA driver", on stdout).
  if ! xml="$(timeout 20 nvidia-smi -q -x 2>/dev/null)"; then
    note "nvidia-smi -q -x failed for job $job: ${xml:0:300}"
    return 0
  fi
  # The XML goes through stdin: a full document of an 8-GPU node is larger than one environment
  # variable may be. JSON::PP is part of core perl; one syswrite on an O_APPEND handle keeps lines
  # whole when several jobs of a node end at once.
  printf '%s' "$xml" | JOB="$job" NODE="$node" GPUS="$gpus" AT_S="$at_s" USER_NAME="${SLURM_JOB_USER:-}" \
    CONTEXT="${SLURM_SCRIPT_CONTEXT:-}" perl -MJSON::PP -e '
      my $xml = do { local $/; <STDIN> };
      my %line = (
        v => 1, jobId => $ENV{JOB}, node => $ENV{NODE}, user => $ENV{USER_NAME},
        atS => 0 + $ENV{AT_S}, context => $ENV{CONTEXT},
        gpus => [split /,/, $ENV{GPUS}], nvidiaSmiXml => $xml,
      );
      my $text = JSON::PP->new->canonical->encode(\%line) . "\n";
      open(my $fh, ">>", $ARGV[0]) or die "open $ARGV[0]: $!\n";
      defined(syswrite($fh, $text)) or die "write $ARGV[0]: $!\n";
      close($fh) or die "close $ARGV[0]: $!\n";
    ' "$dir/gpu-samples-$node.jsonl" || note "could not append the sample of job $job to $dir"
}

sample
exit 0
