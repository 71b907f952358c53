/**
 * What a job really did with its GPUs on one node, summarised from nvidia-smi samples (see
 * docs/gpu-use.md). Keyed by `(source, jobId, node)`: storing the same key again replaces it, so a
 * collector that re-reads a growing sample file simply rewrites the summary.
 */
export interface GpuUseRecord {
  source: string;
  jobId: string;
  node: string;
  /** The job's user, as the sampler saw it (`SLURM_JOB_USER`). */
  user: string;
  /** GPUs of the job on this node that were sampled. */
  gpuCount: number;
  /** Samples taken (each covers every GPU of the job on the node). */
  sampleCount: number;
  /** Mean GPU utilisation over every sample and GPU, percent; null when the driver reported none. */
  meanUtilPct: number | null;
  /** Highest GPU utilisation of any GPU in any sample, percent; null when none was reported. */
  maxUtilPct: number | null;
  /** Most memory one GPU held in any sample, MiB. */
  maxMemUsedMiB: number;
  /** First and last sample times, Unix seconds. */
  firstSampleS: number;
  lastSampleS: number;
}
