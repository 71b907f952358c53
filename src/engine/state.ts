import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ReservationActionSchema } from '../plan/plan.js';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { EngineStateError } from './errors.js';

/**
 * What the engine keeps between cycles, in its state directory (config `engine.stateDir`): the
 * reservations it tracks (use measured, idle cycles in a row, last change for the cooldown), the last
 * cycle, and one forecast model cache file per pool. Every file is written whole or not at all
 * (`writeFileAtomic`), so a cycle stopped at any point leaves the previous state readable.
 */

/** How a reservation was used when last measured. */
export const ReservationUseClasses = ['idle', 'used', 'full'] as const;
export type ReservationUseClass = (typeof ReservationUseClasses)[number];

/** One owned reservation as the engine follows it across cycles. */
export const ReservationTrackSchema = z.strictObject({
  /** The plan's reservation key (`ReservationAction.key`). */
  key: z.string().min(1),
  /** Slurm's name for it. */
  name: z.string().min(1),
  /** Nodes it held when measured. */
  nodeCount: z.number().int().nonnegative(),
  lastUse: z.enum(ReservationUseClasses),
  /** Measurements in a row that found it idle (0 after any other, and after each change). */
  idleCycles: z.number().int().nonnegative(),
  /** When the engine last changed its size (created, grew, shrank), Unix s; null: never seen changed. */
  lastChangeS: z.number().finite().nullable(),
  measuredAtS: z.number().finite(),
  /** The plan action it was last planned or kept by, so that a hold can restate it. */
  action: ReservationActionSchema.nullable(),
});
export type ReservationTrack = z.infer<typeof ReservationTrackSchema>;

export const CycleOutcomes = ['ok', 'partial', 'failed'] as const;
export type CycleOutcome = (typeof CycleOutcomes)[number];

export const CycleSummarySchema = z.strictObject({
  startedAtS: z.number().finite(),
  finishedAtS: z.number().finite(),
  dryRun: z.boolean(),
  outcome: z.enum(CycleOutcomes),
  actions: z.number().int().nonnegative(),
  operations: z.number().int().nonnegative(),
  /** The error of a failed cycle (its message). */
  error: z.string().nullable(),
});
export type CycleSummary = z.infer<typeof CycleSummarySchema>;

export const EngineStateSchema = z.strictObject({
  version: z.literal(1),
  lastCycle: CycleSummarySchema.nullable(),
  reservations: z.array(ReservationTrackSchema),
});
export type EngineState = z.infer<typeof EngineStateSchema>;

/** The state of an engine that never ran. */
export function emptyEngineState(): EngineState {
  return { version: 1, lastCycle: null, reservations: [] };
}

/** One pool's fitted forecast, cached so that cycles between refits reuse it. */
export const ModelCacheEntrySchema = z.strictObject({
  pool: z.string().min(1),
  series: z.string().min(1),
  model: z.string().min(1),
  stepS: z.number().int().positive(),
  /** The forecast's cut: its first step starts here, and nothing at or after it was used, Unix s. */
  cutS: z.number().finite(),
  /** When it was fitted (the cycle's clock), Unix s; the refit schedule counts from here. */
  fittedAtS: z.number().finite(),
  /** Quantile level (decimal string) → forecast per step, in the series' own unit (GPUs, CPUs, nodes). */
  quantiles: z.record(z.string(), z.array(z.number().finite())),
  accounts: z.array(z.strictObject({ account: z.string().min(1), share: z.number().min(0).max(1) })),
});
export type ModelCacheEntry = z.infer<typeof ModelCacheEntrySchema>;

/** Where the engine state lives; a file store in production, a memory one in tests. */
export interface EngineStateStore {
  /** The saved state, or the empty state when none was saved. @throws {EngineStateError} */
  load(): Promise<EngineState>;
  save(state: EngineState): Promise<void>;
}

/** The forecast model cache, one entry per pool. */
export interface ModelCache {
  /** The cached entry, or null when none is (a missing or unreadable file is a miss, not an error). */
  get(pool: string): Promise<ModelCacheEntry | null>;
  put(entry: ModelCacheEntry): Promise<void>;
}

/** The state file of a state directory. */
export function engineStatePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

/** The cache file of a pool: one per pool, the pool name escaped so that `gpu/h100` is one file name. */
export function modelCachePath(stateDir: string, pool: string): string {
  return join(stateDir, 'models', `${encodeURIComponent(pool)}.json`);
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The engine state in `<stateDir>/state.json`. */
export function fileStateStore(stateDir: string): EngineStateStore {
  const path = engineStatePath(stateDir);
  return {
    async load() {
      const text = await readIfExists(path);
      if (text === null) return emptyEngineState();
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw new EngineStateError(path, 'not JSON', cause);
      }
      const parsed = EngineStateSchema.safeParse(raw);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new EngineStateError(path, `${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
      }
      return parsed.data;
    },
    async save(state) {
      await mkdir(stateDir, { recursive: true });
      await writeFileAtomic(path, `${JSON.stringify(EngineStateSchema.parse(state), null, 2)}\n`);
    },
  };
}

/** The model cache in `<stateDir>/models/<pool>.json`. */
export function fileModelCache(stateDir: string): ModelCache {
  return {
    async get(pool) {
      const text = await readIfExists(modelCachePath(stateDir, pool));
      if (text === null) return null;
      // A cache file that cannot be read is only a cache miss: the model is refitted and rewritten.
      try {
        const parsed = ModelCacheEntrySchema.safeParse(JSON.parse(text));
        return parsed.success && parsed.data.pool === pool ? parsed.data : null;
      } catch {
        return null;
      }
    },
    async put(entry) {
      const path = modelCachePath(stateDir, entry.pool);
      await mkdir(join(stateDir, 'models'), { recursive: true });
      await writeFileAtomic(path, `${JSON.stringify(ModelCacheEntrySchema.parse(entry))}\n`);
    },
  };
}
