/**
 * A history for the lab with a demand pattern the decision loop must find: every day at the same hour
 * account `research` runs a burst of h100 jobs in partition `gpu`, while `physics` keeps a light CPU
 * background load in partition `cpu` around the clock. The records are JobRecords of source
 * `slurm:<cluster>`, as `collect` writes them, so the end-to-end test can replay weeks of history into
 * the lab's own store and then ask `plan` what to get ready.
 *
 * Deterministic: the same options give the same records (seeded rng, no clock). Job ids start at
 * {@link SCENARIO_FIRST_JOB_ID}, far above what the lab's own Slurm hands out, so a later `collect`
 * never overwrites a scenario job.
 *
 * @example
 * const jobs = dailyGpuBurstScenario({ cluster: 'lab', endS: Date.parse('2026-12-01T00:00:00Z') / 1000 });
 * await writeScenario(store, jobs);
 */
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import type { JobRecord } from '../../src/shared/job-record.js';
import { seededRng, type Rng } from '../../src/shared/rng.js';
import { createStore } from '../../src/store/create.js';
import type { HistoryStore } from '../../src/store/types.js';

const DAY_S = 86_400;
const HOUR_S = 3_600;

/** First job id of a scenario; the lab's Slurm starts at 1. */
export const SCENARIO_FIRST_JOB_ID = 90_000_000;

/** Options of {@link dailyGpuBurstScenario}. */
export interface DailyGpuBurstOptions {
  /** Slurm cluster name: records get source `slurm:<cluster>`. */
  readonly cluster: string;
  /** End of the history (exclusive), UTC seconds; whole days are counted back from it. */
  readonly endS: number;
  /** Length of the history; default 5 weeks. */
  readonly days?: number;
  /** UTC hour at which the daily burst is submitted; default 14. */
  readonly burstHourUtc?: number;
  /** Minute of that hour at which the burst starts; default 0. */
  readonly burstMinuteUtc?: number;
  /**
   * h100 jobs per burst, one GPU each; default 2, which fills the lab's c2 (2 h100), so the history
   * could have run on the lab as it is.
   */
  readonly burstJobs?: number;
  /**
   * 8-CPU jobs of `physics` in partition `cpu` at the same burst (post-processing); default 0. Three
   * of them fill the lab's c3, c4 and the CLOUD node c5, so the plan must power c5 up for them.
   */
  readonly cpuBurstJobs?: number;
  /** CPU background jobs per day, spread over every hour; default 24. */
  readonly backgroundJobsPerDay?: number;
  /** Seed of the rng; default 9. */
  readonly seed?: number;
}

/** Every option with its default applied. */
export type ResolvedDailyGpuBurstOptions = Required<DailyGpuBurstOptions>;

/**
 * Applies the defaults and checks the ranges, in one place.
 * @throws {RangeError} naming the option that is out of range.
 */
export function resolveDailyGpuBurstOptions(options: DailyGpuBurstOptions): ResolvedDailyGpuBurstOptions {
  const resolved = {
    cluster: options.cluster,
    endS: options.endS,
    days: options.days ?? 35,
    burstHourUtc: options.burstHourUtc ?? 14,
    burstMinuteUtc: options.burstMinuteUtc ?? 0,
    burstJobs: options.burstJobs ?? 2,
    cpuBurstJobs: options.cpuBurstJobs ?? 0,
    backgroundJobsPerDay: options.backgroundJobsPerDay ?? 24,
    seed: options.seed ?? 9,
  };
  const checks: [string, boolean][] = [
    ['cluster (a Slurm cluster name)', /^[A-Za-z0-9_-]+$/.test(resolved.cluster)],
    [
      'endS (whole UTC seconds)',
      Number.isSafeInteger(resolved.endS) && resolved.endS > resolved.days * DAY_S,
    ],
    ['days (1-366)', Number.isInteger(resolved.days) && resolved.days >= 1 && resolved.days <= 366],
    [
      'burstHourUtc (0-23)',
      Number.isInteger(resolved.burstHourUtc) && resolved.burstHourUtc >= 0 && resolved.burstHourUtc <= 23,
    ],
    [
      'burstMinuteUtc (0-59)',
      Number.isInteger(resolved.burstMinuteUtc) &&
        resolved.burstMinuteUtc >= 0 &&
        resolved.burstMinuteUtc <= 59,
    ],
    [
      'cpuBurstJobs (0-100)',
      Number.isInteger(resolved.cpuBurstJobs) && resolved.cpuBurstJobs >= 0 && resolved.cpuBurstJobs <= 100,
    ],
    [
      'burstJobs (1-100)',
      Number.isInteger(resolved.burstJobs) && resolved.burstJobs >= 1 && resolved.burstJobs <= 100,
    ],
    [
      'backgroundJobsPerDay (0-10000)',
      Number.isInteger(resolved.backgroundJobsPerDay) &&
        resolved.backgroundJobsPerDay >= 0 &&
        resolved.backgroundJobsPerDay <= 10_000,
    ],
    ['seed (an integer)', Number.isInteger(resolved.seed)],
  ];
  const bad = checks.filter(([, ok]) => !ok).map(([what]) => what);
  if (bad.length > 0) throw new RangeError(`daily GPU burst scenario: bad ${bad.join(', ')}`);
  return resolved;
}

/** An integer in [lo, hi]. */
function between(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

interface JobShape {
  readonly jobId: number;
  readonly name: string;
  readonly user: string;
  readonly account: string;
  readonly partition: string;
  readonly submitS: number;
  readonly waitS: number;
  readonly runS: number;
  readonly cpuCount: number;
  readonly memMiB: number;
  readonly gpuCount: number;
  readonly gpuType: string | null;
}

function record(source: string, j: JobShape): JobRecord {
  const startS = j.submitS + j.waitS;
  return {
    source,
    jobId: String(j.jobId),
    name: j.name,
    user: j.user,
    account: j.account,
    partition: j.partition,
    qos: 'normal',
    state: 'COMPLETED',
    exitCode: 0,
    submitS: j.submitS,
    eligibleS: j.submitS,
    startS,
    endS: startS + j.runS,
    timeLimitS: 2 * HOUR_S,
    nodeCount: 1,
    cpuCount: j.cpuCount,
    memMiB: j.memMiB,
    gpuCount: j.gpuCount,
    gpuType: j.gpuType,
    features: [],
    reservation: null,
    maxRssMiB: Math.round(j.memMiB * 0.6),
    totalCpuS: Math.round(j.cpuCount * j.runS * 0.9),
  };
}

/**
 * The scenario's job records, sorted by submit time: `days` whole UTC days ending at `endS` rounded
 * down to midnight. Each day, `burstJobs` h100 jobs of `research` are submitted within the first ten
 * minutes of `burstHourUtc` and run 30-50 minutes; `backgroundJobsPerDay` CPU jobs of `physics` are
 * spread over the day and run 10-40 minutes.
 * @throws {RangeError} for an option out of range.
 */
export function dailyGpuBurstScenario(options: DailyGpuBurstOptions): JobRecord[] {
  const o = resolveDailyGpuBurstOptions(options);
  const rng = seededRng(o.seed);
  const source = `slurm:${o.cluster}`;
  const firstDayS = Math.floor(o.endS / DAY_S) * DAY_S - o.days * DAY_S;
  const jobs: JobRecord[] = [];
  let nextId = SCENARIO_FIRST_JOB_ID;
  for (let day = 0; day < o.days; day++) {
    const dayS = firstDayS + day * DAY_S;
    for (let i = 0; i < o.backgroundJobsPerDay; i++) {
      const slotS = Math.floor((i * DAY_S) / o.backgroundJobsPerDay);
      jobs.push(
        record(source, {
          jobId: nextId++,
          name: 'scenario-cpu-background',
          user: 'labuser',
          account: 'physics',
          partition: 'cpu',
          submitS: dayS + slotS + between(rng, 0, 600),
          waitS: between(rng, 0, 60),
          runS: between(rng, 600, 2_400),
          cpuCount: between(rng, 1, 4),
          memMiB: 1_024,
          gpuCount: 0,
          gpuType: null,
        }),
      );
    }
    const burstS = dayS + o.burstHourUtc * HOUR_S + o.burstMinuteUtc * 60;
    for (let i = 0; i < o.burstJobs; i++) {
      const gpuCount = 1;
      jobs.push(
        record(source, {
          jobId: nextId++,
          name: 'scenario-h100-burst',
          user: 'root',
          account: 'research',
          partition: 'gpu',
          submitS: burstS + between(rng, 0, 600),
          waitS: between(rng, 0, 120),
          runS: between(rng, 1_800, 3_000),
          cpuCount: 2 * gpuCount,
          memMiB: 4_000 * gpuCount,
          gpuCount,
          gpuType: 'h100',
        }),
      );
    }
    for (let i = 0; i < o.cpuBurstJobs; i++) {
      jobs.push(
        record(source, {
          jobId: nextId++,
          name: 'scenario-cpu-burst',
          user: 'labuser',
          account: 'physics',
          partition: 'cpu',
          submitS: burstS + between(rng, 0, 600),
          waitS: between(rng, 0, 120),
          runS: between(rng, 1_800, 3_000),
          cpuCount: 8,
          memMiB: 8_000,
          gpuCount: 0,
          gpuType: null,
        }),
      );
    }
  }
  return jobs.sort((a, b) => a.submitS - b.submitS || Number(a.jobId) - Number(b.jobId));
}

/**
 * Writes scenario records into a store (an upsert: writing the same scenario twice leaves one copy).
 * @throws {StoreError} when the store refuses the write.
 */
export async function writeScenario(store: HistoryStore, jobs: readonly JobRecord[]): Promise<number> {
  const { written } = await store.upsertJobs(jobs);
  return written;
}

/**
 * Replays the scenario into the store named by a Slurmcast config (the lab's, from
 * `SLURMCAST_CONFIG`); the cluster is the config's.
 * @throws {ConfigError} when the config is invalid; {@link StoreError} when the store cannot be written.
 */
export async function replayScenarioIntoConfigStore(
  configPath: string,
  options: Omit<DailyGpuBurstOptions, 'cluster'>,
): Promise<number> {
  const config = await loadConfig(configPath);
  const store = await createStore(config.store);
  try {
    return await writeScenario(store, dailyGpuBurstScenario({ ...options, cluster: config.cluster }));
  } finally {
    await store.close();
  }
}

/**
 * `npx tsx test/lab/scenario.ts [CONFIG]`: replays the scenario, ending now, into the store of CONFIG
 * (default `$SLURMCAST_CONFIG`, which `test/lab/up.sh` prints).
 */
async function main(): Promise<number> {
  const configPath = process.argv[2] ?? process.env['SLURMCAST_CONFIG'];
  if (configPath === undefined || configPath === '') {
    process.stderr.write('usage: npx tsx test/lab/scenario.ts CONFIG (or set SLURMCAST_CONFIG)\n');
    return 2;
  }
  const written = await replayScenarioIntoConfigStore(configPath, { endS: Math.floor(Date.now() / 1000) });
  process.stdout.write(`${written} scenario jobs written into the store of ${configPath}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
