import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { HistoryStateSchema, type HistoryState } from './job-history.js';
import {
  JOB_FEATURE_COUNT,
  JOB_MODEL_VERSION,
  type JobForest,
  type JobModel,
  type JobTreeNode,
  type ResolvedJobModelOptions,
} from './jobs.js';

/**
 * The per-job model cache: one fitted model per history and cut, saved as JSON so that a prediction
 * does not train forests from scratch on every call (a fit takes seconds; a saved model loads in
 * milliseconds). Each entry says what it was trained on — the history's identity, its state before
 * the cut, the settings and the model version — and `jobModelProblem` decides from that whether it
 * may answer now. Files are written whole or not at all (`writeFileAtomic`); a file that cannot be
 * read or does not match the schema is a miss that the caller rebuilds, never a failed prediction.
 */

/**
 * Whether `value` is a tree node, down to its leaves. A hand-written walk rather than a recursive zod
 * schema: a forest has tens of thousands of nodes, and a warm prediction's budget is a second.
 */
function isTreeNode(value: unknown, depth = 0): value is JobTreeNode {
  if (typeof value === 'number') return Number.isFinite(value);
  if (!Array.isArray(value) || value.length !== 4 || depth > MAX_TREE_DEPTH) return false;
  const [column, threshold, below, above] = value as unknown[];
  return (
    Number.isInteger(column) &&
    (column as number) >= 0 &&
    typeof threshold === 'number' &&
    Number.isFinite(threshold) &&
    isTreeNode(below, depth + 1) &&
    isTreeNode(above, depth + 1)
  );
}

/** Deeper than any tree the model grows (depth 8): a deeper one is damage, not a model. */
const MAX_TREE_DEPTH = 64;

const TreeNodeSchema = z.custom<JobTreeNode>(
  (value) => isTreeNode(value),
  'not a tree node: a leaf value, or [column, threshold, below, at or above]',
);

/** The deepest split column a tree uses, so that a forest can be checked against its column lists. */
function deepestColumn(node: JobTreeNode): number {
  return typeof node === 'number' ? -1 : Math.max(node[0], deepestColumn(node[2]), deepestColumn(node[3]));
}

const ForestSchema: z.ZodType<JobForest> = z
  .strictObject({
    columns: z
      .array(
        z
          .array(
            z
              .number()
              .int()
              .nonnegative()
              .max(JOB_FEATURE_COUNT - 1),
          )
          .min(1),
      )
      .min(1),
    trees: z.array(TreeNodeSchema).min(1),
  })
  .superRefine((forest, ctx) => {
    if (forest.columns.length !== forest.trees.length) {
      ctx.addIssue({ code: 'custom', message: 'one column list per tree' });
      return;
    }
    forest.trees.forEach((tree, i) => {
      if (deepestColumn(tree) >= (forest.columns[i]?.length ?? 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['trees', i],
          message: 'splits on a column the tree does not read',
        });
      }
    });
  });

/** The fitted model (`JobModel`) as saved. */
export const JobModelSchema: z.ZodType<JobModel> = z.strictObject({
  version: z.literal(JOB_MODEL_VERSION),
  options: z.strictObject({
    asOfS: z.number().finite(),
    timeZone: z.string().min(1),
    maxTrain: z.number().int().positive(),
    minTrain: z.number().int().nonnegative(),
    seed: z.number().int().nonnegative(),
    nEstimators: z.number().int().positive(),
  }),
  trainedOn: z.number().int().nonnegative(),
  lastEndS: z.number().finite().nullable(),
  users: z.array(z.tuple([z.string(), z.number(), z.number(), z.number().int().positive()])),
  partitions: z.array(z.string()),
  globalLog: z.number(),
  globalRatio: z.number(),
  runtime: ForestSchema.nullable(),
  peakMem: ForestSchema.nullable(),
});

/** One cache file: a model and what it was trained on. */
export const JobModelCacheEntrySchema = z.strictObject({
  format: z.literal('slurmcast-job-model'),
  /** Version of the model code that fitted it; another version retrains (read before the model is). */
  modelVersion: z.number().int(),
  /** The history it was trained on (`JobHistory.identity`). */
  identity: z.string().min(1),
  /** It learned only from jobs that ended before this instant, Unix s; it answers jobs submitted at or after it. */
  cutS: z.number().int(),
  /** What the history held before the cut when the model was trained, read before its jobs were. */
  history: HistoryStateSchema,
  model: JobModelSchema,
});
export type JobModelCacheEntry = z.infer<typeof JobModelCacheEntrySchema>;

/** What reading the entry of one cut found. */
export type JobModelCacheRead =
  | { readonly kind: 'found'; readonly entry: JobModelCacheEntry }
  | { readonly kind: 'missing' }
  /** Unreadable, not JSON, or not a job model of this cut: rebuild it. */
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Where fitted per-job models are kept between calls, one entry per cut. A file cache, or a fake. */
export interface JobModelCache {
  /** Where the entries are, for messages. */
  readonly location: string;
  /** The entry of `cutS`; never throws: a file that cannot be used is `corrupt`. */
  read(cutS: number): Promise<JobModelCacheRead>;
  /** Saves the entry of its cut, replacing any. @throws the file system's error. */
  write(entry: JobModelCacheEntry): Promise<void>;
}

/**
 * How long after a cut a collected source must have been collected for the history before the cut
 * to be complete. Collect asks sacct again from an hour before its watermark (its default overlap),
 * because accounting records some jobs late; a model trained with less than that behind its cut is
 * provisional and is retrained once the source has been collected further.
 */
export const SETTLE_S = 3600;

/** What a model must have been trained for to answer now. */
export interface JobModelWanted {
  identity: string;
  cutS: number;
  options: ResolvedJobModelOptions;
}

const SETTINGS = ['timeZone', 'seed', 'maxTrain', 'minTrain', 'nEstimators'] as const;

const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Why a cached model may not answer now, or null when it may. It may when it was fitted by this
 * model version, for this history, cut and settings, and the history before the cut is what it was
 * then: the same number of jobs submitted before the cut (a job that ended before it is one of
 * them), the same content for every imported source, and, for a collected source that had not been
 * collected `SETTLE_S` past the cut when the model was trained, no collection since. Jobs that ended
 * after the cut never matter: the model did not learn from them, whatever they are now.
 */
export function jobModelProblem(
  entry: JobModelCacheEntry,
  wanted: JobModelWanted,
  now: HistoryState,
): string | null {
  if (entry.modelVersion !== JOB_MODEL_VERSION) {
    return `it was fitted by model version ${entry.modelVersion}, this is version ${JOB_MODEL_VERSION}`;
  }
  if (entry.identity !== wanted.identity) return `it was trained on another history (${entry.identity})`;
  if (entry.cutS !== wanted.cutS || entry.model.options.asOfS !== wanted.cutS) {
    return `it was trained for the cut ${iso(entry.model.options.asOfS)}, not ${iso(wanted.cutS)}`;
  }
  for (const key of SETTINGS) {
    const was = entry.model.options[key];
    if (was !== wanted.options[key]) return `it was trained with ${key} ${was}, not ${wanted.options[key]}`;
  }
  const was = entry.history;
  if (was.jobsSubmittedBeforeCut !== now.jobsSubmittedBeforeCut) {
    return `the history holds ${now.jobsSubmittedBeforeCut ?? 'uncounted'} jobs submitted before the cut, ${was.jobsSubmittedBeforeCut ?? 'uncounted'} when it was trained`;
  }
  for (const source of was.sources) {
    const current = now.sources.find((s) => s.source === source.source);
    if ((current?.contentSha256 ?? null) !== source.contentSha256) {
      return `source ${source.source} holds other content than when it was trained`;
    }
    const settled = source.watermarkS !== null && source.watermarkS >= wanted.cutS + SETTLE_S;
    if (!settled && (current?.watermarkS ?? null) !== source.watermarkS) {
      return `source ${source.source} had been collected only up to ${source.watermarkS === null ? 'an unknown time' : iso(source.watermarkS)} when it was trained and has been collected since`;
    }
  }
  return null;
}

/** A file name cannot hold an identity (a path, a hash); this one is readable and short. */
export function jobModelCacheDir(root: string, identity: string): string {
  const slug = identity
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return join(root, `${slug}-${hash}`);
}

/** Entries kept per history by default: old cuts are pruned, the most recently written kept. */
export const DEFAULT_KEPT_JOB_MODELS = 64;

const ENTRY_FILE = /^-?\d+\.json$/;

function problemText(error: z.ZodError): string {
  const first = error.issues[0];
  return `${first?.path.join('.') || 'the file'}: ${first?.message ?? 'invalid'}`;
}

/** Parses one entry's text: the entry, or why it cannot be used. */
export function parseJobModelEntry(text: string, cutS: number): JobModelCacheRead {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', reason: 'not JSON (a partial or damaged file)' };
  }
  const parsed = JobModelCacheEntrySchema.safeParse(raw);
  if (!parsed.success) {
    // A file of another model version need not match this version's schema: say so, not "corrupt".
    const version = (raw as { modelVersion?: unknown } | null)?.modelVersion;
    if (typeof version === 'number' && version !== JOB_MODEL_VERSION) {
      return {
        kind: 'corrupt',
        reason: `fitted by model version ${version}, this is version ${JOB_MODEL_VERSION}`,
      };
    }
    return { kind: 'corrupt', reason: problemText(parsed.error) };
  }
  if (parsed.data.cutS !== cutS)
    return { kind: 'corrupt', reason: `holds the model of another cut (${parsed.data.cutS})` };
  return { kind: 'found', entry: parsed.data };
}

/**
 * The model cache in a directory: `<dir>/<cutS>.json` per cut. Writing an entry prunes the directory
 * to the `keep` most recently written files, so that predicting jobs across a long history does not
 * fill the disk. Two processes may train the same cut at once: each writes a whole file, the last
 * one stays, and both are valid.
 *
 * @example
 * const cache = fileJobModelCache(jobModelCacheDir('.slurmcast/engine/job-models', history.identity));
 */
export function fileJobModelCache(dir: string, options: { keep?: number } = {}): JobModelCache {
  const keep = Math.max(1, options.keep ?? DEFAULT_KEPT_JOB_MODELS);
  const pathOf = (cutS: number): string => join(dir, `${cutS}.json`);
  return {
    location: dir,
    async read(cutS) {
      let text: string;
      try {
        text = await readFile(pathOf(cutS), 'utf8');
      } catch (error) {
        // Nothing there, or no directory there yet (or a file in its place, which `write` reports).
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
        return { kind: 'corrupt', reason: `cannot be read (${(error as Error).message})` };
      }
      return parseJobModelEntry(text, cutS);
    },
    async write(entry) {
      await mkdir(dir, { recursive: true });
      const path = pathOf(entry.cutS);
      await writeFileAtomic(path, `${JSON.stringify(JobModelCacheEntrySchema.parse(entry))}\n`);
      await prune(dir, keep, `${entry.cutS}.json`);
    },
  };
}

/** Removes the oldest entries beyond `keep`. Another process pruning at once is not an error. */
async function prune(dir: string, keep: number, justWritten: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => ENTRY_FILE.test(n) && n !== justWritten);
  if (names.length < keep) return;
  const dated = await Promise.all(
    names.map(async (name) => ({
      name,
      mtimeMs: (await stat(join(dir, name)).catch(() => null))?.mtimeMs ?? 0,
    })),
  );
  // Oldest written first; files written within one clock tick, the earlier cut first.
  dated.sort((a, b) => a.mtimeMs - b.mtimeMs || Number.parseInt(a.name, 10) - Number.parseInt(b.name, 10));
  for (const { name } of dated.slice(0, names.length - (keep - 1)))
    await rm(join(dir, name), { force: true });
}

/**
 * A cache in memory that keeps entries as the text a file would hold, so that tests can damage one.
 * @example const cache = memoryJobModelCache(); cache.files.set(cutS, '{"trunc');
 */
export function memoryJobModelCache(): JobModelCache & { readonly files: Map<number, string> } {
  const files = new Map<number, string>();
  return {
    location: 'memory',
    files,
    read(cutS) {
      const text = files.get(cutS);
      return Promise.resolve(text === undefined ? { kind: 'missing' } : parseJobModelEntry(text, cutS));
    },
    write(entry) {
      files.set(entry.cutS, JSON.stringify(JobModelCacheEntrySchema.parse(entry)));
      return Promise.resolve();
    },
  };
}
