import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { NvidiaSmiOutputError, parseNvidiaSmiXml } from '../../sdk/index.js';
import type { GpuUseRecord, HistoryStore } from '../store/types.js';
import { CollectError } from './errors.js';

/**
 * GPU use from the samples `plugins/gpu/gpu-sample.sh` (a Slurm Prolog and Epilog) appends per node:
 * one JSON line per sample holding the job, the node, the job's GPU ids and nvidia-smi's XML as
 * printed. Parsing and summarising are pure; only `readGpuSampleDir` touches files. See docs/gpu-use.md.
 */

/** One line of a sample file, as the sampler writes it (`v: 1`). */
export const GpuSampleLineSchema = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  node: z.string().min(1),
  user: z.string(),
  /** Unix seconds when the sample was taken. */
  atS: z.number().finite(),
  /** Which script context took it (`prolog_slurmd`, `epilog_slurmd`), when slurmd said. */
  context: z.string().optional(),
  /** The job's GPU ids on the node, as Slurm numbers them (the device files' numbers). */
  gpus: z.array(z.string().regex(/^\d+$/)).min(1),
  nvidiaSmiXml: z.string(),
});
export type GpuSampleLine = z.infer<typeof GpuSampleLineSchema>;

/** The readings of one sample for the job's GPUs. */
export interface GpuSample {
  jobId: string;
  node: string;
  user: string;
  atS: number;
  readings: readonly { gpuId: string; utilGpuPct: number | null; memUsedMiB: number }[];
}

/** A sample line that could not be used; the line is skipped and reported, the rest is collected. */
export class GpuSampleFormatError extends CollectError {
  override readonly name = 'GpuSampleFormatError' as const;
  readonly file: string;
  /** 1-based line number in the sample file. */
  readonly line: number;
  readonly reason: string;
  constructor(details: { file: string; line: number; reason: string; cause?: unknown }) {
    super(
      `${details.file}:${details.line}: ${details.reason}; the line is skipped (check the sampler's nvidia-smi on that node, docs/gpu-use.md)`,
      { cause: details.cause },
    );
    this.file = details.file;
    this.line = details.line;
    this.reason = details.reason;
  }
}

/** What a sample file held: the samples and the lines that were skipped. */
export interface ParsedGpuSamples {
  samples: GpuSample[];
  problems: GpuSampleFormatError[];
}

/**
 * Parses the text of one sample file. A last line without its newline is an append still in
 * progress and is left for the next read; any other unusable line is reported in `problems`.
 */
export function parseGpuSampleLines(text: string, file: string): ParsedGpuSamples {
  const lines = text.split('\n');
  // The piece after the last newline is an unfinished append ('' when the file ends with one).
  lines.pop();
  const samples: GpuSample[] = [];
  const problems: GpuSampleFormatError[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    try {
      samples.push(sampleFromLine(raw, file, line));
    } catch (error) {
      if (!(error instanceof GpuSampleFormatError)) throw error;
      problems.push(error);
    }
  });
  return { samples, problems };
}

function sampleFromLine(raw: string, file: string, line: number): GpuSample {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new GpuSampleFormatError({ file, line, reason: 'not JSON', cause });
  }
  const parsed = GpuSampleLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GpuSampleFormatError({
      file,
      line,
      reason: `not a sample line (${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'})`,
    });
  }
  const sample = parsed.data;
  let log;
  try {
    log = parseNvidiaSmiXml(sample.nvidiaSmiXml);
  } catch (cause) {
    if (!(cause instanceof NvidiaSmiOutputError)) throw cause;
    throw new GpuSampleFormatError({ file, line, reason: cause.message, cause });
  }
  const readings = sample.gpus.map((gpuId) => {
    // Slurm numbers a GPU by its device file (/dev/nvidia<minor>); nvidia-smi reports that minor.
    const gpu = log.gpus.find((g) => String(g.minorNumber ?? g.index) === gpuId);
    if (gpu === undefined) {
      throw new GpuSampleFormatError({
        file,
        line,
        reason: `job ${sample.jobId} has GPU ${gpuId} on ${sample.node}, which nvidia-smi does not list`,
      });
    }
    return { gpuId, utilGpuPct: gpu.utilGpuPct, memUsedMiB: gpu.memUsedMiB };
  });
  return { jobId: sample.jobId, node: sample.node, user: sample.user, atS: sample.atS, readings };
}

/**
 * Summarises samples per job and node: mean and maximum GPU utilisation over every sample and GPU
 * (readings of `N/A` left out), the most memory one GPU held, the sample count and time span.
 * Ordered by job id, then node.
 * @example summariseGpuUse(parseGpuSampleLines(text, 'c2.jsonl').samples, 'slurm:lab')
 */
export function summariseGpuUse(samples: readonly GpuSample[], source: string): GpuUseRecord[] {
  const groups = new Map<string, GpuSample[]>();
  for (const s of samples) {
    const key = `${s.jobId}\u0000${s.node}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  const records: GpuUseRecord[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const utils = group.flatMap((s) =>
      s.readings.flatMap((r) => (r.utilGpuPct === null ? [] : [r.utilGpuPct])),
    );
    const times = group.map((s) => s.atS);
    records.push({
      source,
      jobId: first.jobId,
      node: first.node,
      user: first.user,
      gpuCount: Math.max(...group.map((s) => s.readings.length)),
      sampleCount: group.length,
      meanUtilPct: utils.length === 0 ? null : utils.reduce((a, b) => a + b, 0) / utils.length,
      maxUtilPct: utils.length === 0 ? null : Math.max(...utils),
      maxMemUsedMiB: Math.max(0, ...group.flatMap((s) => s.readings.map((r) => r.memUsedMiB))),
      firstSampleS: Math.min(...times),
      lastSampleS: Math.max(...times),
    });
  }
  return records.sort((a, b) =>
    a.jobId === b.jobId ? (a.node < b.node ? -1 : 1) : a.jobId < b.jobId ? -1 : 1,
  );
}

/**
 * Where the sampler spools when the site sets no `SLURMCAST_GPU_SPOOL_DIR`; plugins/gpu/gpu-sample.sh
 * spells the same path (a shell script cannot import it).
 */
export const DEFAULT_GPU_SPOOL_DIR = '/var/spool/slurmcast/gpu';

/** Sample files are named after the node that wrote them. */
const SAMPLE_FILE = /^gpu-samples-[A-Za-z0-9_.-]+\.jsonl$/;

/**
 * Reads every `gpu-samples-<node>.jsonl` in `dir` (the sampler's `SLURMCAST_GPU_SPOOL_DIR`, or a
 * directory where they were gathered from the nodes).
 * @throws {GpuSampleReadError} when the directory or a file cannot be read.
 */
export function readGpuSampleDir(dir: string): ParsedGpuSamples {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => SAMPLE_FILE.test(n))
      .sort();
  } catch (cause) {
    throw new GpuSampleReadError(dir, { cause });
  }
  const out: ParsedGpuSamples = { samples: [], problems: [] };
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new GpuSampleReadError(path, { cause });
    }
    const parsed = parseGpuSampleLines(text, path);
    out.samples.push(...parsed.samples);
    out.problems.push(...parsed.problems);
  }
  return out;
}

/** A sample directory or file could not be read. */
export class GpuSampleReadError extends CollectError {
  override readonly name = 'GpuSampleReadError' as const;
  readonly path: string;
  constructor(path: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `cannot read GPU samples at ${path}${detail}; check the path (the sampler's SLURMCAST_GPU_SPOOL_DIR) and its permissions`,
      { cause: options.cause },
    );
    this.path = path;
  }
}

/** What `collectGpuUse` did. */
export interface GpuUseCollection {
  /** Job-and-node summaries written. */
  written: number;
  /** Lines skipped, each with where and why. */
  problems: readonly GpuSampleFormatError[];
}

/**
 * Reads the sample files in `dir`, summarises them per job and node and writes the summaries to the
 * store. Re-running it rewrites the same summaries (with any samples added since).
 * @throws {GpuSampleReadError} when the files cannot be read; {StoreError} when the store refuses.
 * @example await collectGpuUse(store, { dir: '/var/spool/slurmcast/gpu', source: 'slurm:prod' })
 */
export async function collectGpuUse(
  store: HistoryStore,
  options: { dir: string; source: string },
): Promise<GpuUseCollection> {
  const { samples, problems } = readGpuSampleDir(options.dir);
  const records = summariseGpuUse(samples, options.source);
  if (records.length > 0) await store.upsertGpuUse(records);
  return { written: records.length, problems };
}
