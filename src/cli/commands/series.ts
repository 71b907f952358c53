import type { Argv, CommandModule } from 'yargs';
import type { SwfProgress } from '../../collect/swf.js';
import { durationOption } from '../../config/params.js';
import { parseStep } from '../../series/calendar.js';
import type { PoolInfo } from '../../series/build.js';
import type { PoolSeries } from '../../series/types.js';
import { formatInstant, parseInstant } from '../../shared/time.js';
import { configFor, output, table } from '../context.js';
import { historySourceOptions, openStoreForReading } from '../history-store.js';
import type { GlobalArgs } from '../context.js';
import { bytesProgress, terminalProgress } from '../progress.js';

interface SeriesArgs extends GlobalArgs {
  swf: string | undefined;
  'alibaba-gpu': string | undefined;
  nodes: string | undefined;
  start: string | undefined;
  store: string | undefined;
  source: string | undefined;
  pool: string | undefined;
  step: string;
  tz: string | undefined;
  from: string | undefined;
  to: string | undefined;
}

/** What the command computed, before rendering. */
interface SeriesOutcome {
  origin: string;
  timeZone: string;
  jobs: number;
  skipped: number;
  pools: readonly PoolInfo[];
  series: readonly PoolSeries[];
}

function isoSeconds(name: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseInstant(text, `--${name}`);
}

const isoUtc = formatInstant;

/** Six decimals are plenty for means of CPU, GPU and MiB counts and keep the JSON readable. */
function plain(values: Float64Array): number[] {
  return Array.from(values, (v) => Math.round(v * 1e6) / 1e6);
}

function mean(values: Float64Array | undefined): number {
  if (values === undefined || values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function peak(values: Float64Array | undefined): number {
  let max = 0;
  for (const v of values ?? []) if (v > max) max = v;
  return max;
}

function fixed(value: number): string {
  return value.toFixed(value >= 100 ? 0 : 2);
}

async function computeSeries(args: SeriesArgs): Promise<SeriesOutcome> {
  const stepS = parseStep(args.step);
  const startS = isoSeconds('from', args.from);
  const endS = isoSeconds('to', args.to);
  const common = {
    stepS,
    ...(args.pool === undefined ? {} : { pool: args.pool }),
    ...(startS === undefined ? {} : { startS }),
    ...(endS === undefined ? {} : { endS }),
  };
  if (args.store !== undefined) {
    const { seriesFromStore } = await import('../../series/from-store.js');
    const config = await configFor(args);
    const store = await openStoreForReading(args.store, config);
    try {
      const timeZone = args.tz ?? config.timeZone;
      const result = await seriesFromStore(store, {
        ...common,
        timeZone,
        ...(args.source === undefined ? {} : { source: args.source }),
      });
      return { origin: store.description, timeZone, skipped: 0, ...result };
    } finally {
      await store.close();
    }
  }
  // The readers (zlib, csv-parse) load only when a log is read.
  const [{ openTrace }, { seriesFromJobs }] = await Promise.all([
    import('../../collect/traces.js'),
    import('../../series/from-jobs.js'),
  ]);
  const progress = terminalProgress(args.json);
  const onProgress =
    args.swf === undefined ? undefined : (p: SwfProgress) => progress.update(bytesProgress('reading', p));
  try {
    const source =
      args.swf !== undefined
        ? { kind: 'swf' as const, path: args.swf }
        : {
            kind: 'alibaba-gpu' as const,
            podsPath: args['alibaba-gpu'] ?? '',
            start: args.start ?? '',
            ...(args.nodes === undefined ? {} : { nodesPath: args.nodes }),
          };
    const trace = await openTrace(source, onProgress === undefined ? {} : { onProgress });
    const result = await seriesFromJobs(trace.jobs, {
      ...common,
      timeZone: args.tz ?? trace.timeZone,
      origin: args.swf ?? args['alibaba-gpu'] ?? '',
    });
    const { source: origin, jobs, skipped } = trace.summary();
    return { origin, jobs, skipped, ...result };
  } finally {
    progress.end();
  }
}

function render(args: SeriesArgs, outcome: SeriesOutcome): void {
  const first = outcome.series[0];
  if (args.pool !== undefined) {
    const s = first;
    if (s === undefined) throw new Error(`no series for pool ${args.pool}`);
    const json = {
      pool: s.pool,
      step_s: s.stepS,
      start: isoUtc(s.startS),
      values: Object.fromEntries(Object.entries(s.values).map(([name, v]) => [name, plain(v)])),
    };
    output(args, json, () => {
      const length = s.values['arrivals']?.length ?? 0;
      const rows = Object.entries(s.values).map(([name, v]) => [name, fixed(mean(v)), fixed(peak(v))]);
      return [
        `${s.pool}: ${length} buckets of ${s.stepS} s from ${isoUtc(s.startS)} (${outcome.timeZone})`,
        table(['series', 'mean', 'peak'], rows),
      ].join('\n');
    });
    return;
  }
  const byPool = new Map(outcome.series.map((s) => [s.pool, s]));
  const hasGpu = first?.values['demand_gpu'] !== undefined;
  const pools = outcome.pools.map((p) => {
    const v = byPool.get(p.pool)?.values ?? {};
    return {
      pool: p.pool,
      jobs: p.jobs,
      mean_demand_cpu: mean(v['demand_cpu']),
      peak_demand_cpu: peak(v['demand_cpu']),
      mean_pending_cpu: mean(v['pending_cpu']),
      ...(hasGpu ? { mean_demand_gpu: mean(v['demand_gpu']), peak_demand_gpu: peak(v['demand_gpu']) } : {}),
    };
  });
  const json = {
    source: outcome.origin,
    jobs: outcome.jobs,
    skipped: outcome.skipped,
    step_s: first?.stepS ?? parseStep(args.step),
    start: first === undefined ? null : isoUtc(first.startS),
    time_zone: outcome.timeZone,
    pools,
  };
  output(args, json, () => {
    const headers = ['pool', 'jobs', 'mean demand cpu', 'peak demand cpu', 'mean pending cpu'];
    if (hasGpu) headers.push('mean demand gpu', 'peak demand gpu');
    const rows = pools.map((p) => [
      p.pool,
      p.jobs,
      fixed(p.mean_demand_cpu),
      fixed(p.peak_demand_cpu),
      fixed(p.mean_pending_cpu),
      ...(p.mean_demand_gpu === undefined ? [] : [fixed(p.mean_demand_gpu), fixed(p.peak_demand_gpu ?? 0)]),
    ]);
    const skipped = outcome.skipped > 0 ? `, ${outcome.skipped} malformed lines skipped` : '';
    return [
      `${outcome.origin}: ${outcome.jobs} jobs${skipped}, ${pools.length} pools. Pick one with --pool.`,
      table(headers, rows),
    ].join('\n');
  });
}

/**
 * What is wrong with the arguments, or null. A returned message (not a throw) is what yargs treats as a
 * usage error (exit 2).
 */
function argsProblem(args: {
  swf?: string | undefined;
  'alibaba-gpu'?: string | undefined;
  store?: string | undefined;
  step?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  start?: string | undefined;
}): string | null {
  const sources = [args.swf, args['alibaba-gpu'], args.store].filter((s) => s !== undefined).length;
  if (sources !== 1) return 'give exactly one of --swf FILE, --alibaba-gpu PODS --start ISO, or --store';
  if (args['alibaba-gpu'] !== undefined && args.start === undefined) return '--alibaba-gpu needs --start ISO';
  parseStep(args.step ?? ''); // ParameterRangeError (exit 2) with the step's range
  // A time that is not an ISO instant throws InvalidInstantError: exit 2, like a returned message.
  for (const name of ['from', 'to', 'start'] as const) isoSeconds(name, args[name]);
  return null;
}

/** `slurmcast series`: demand series per pool from a workload log or the history store. */
export const seriesCommand: CommandModule<GlobalArgs, SeriesArgs> = {
  command: 'series',
  describe: 'Build demand series (demand, running, pending, arrivals) per pool from a log or the store',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('alibaba-gpu', {
        type: 'string',
        describe: 'Alibaba GPU trace v2023 pod list (CSV, plain or .gz)',
      })
      .option('nodes', { type: 'string', describe: 'Alibaba node list (with --alibaba-gpu)' })
      .option('start', {
        type: 'string',
        describe: 'ISO instant (UTC unless it has an offset) that the Alibaba trace time 0 stands for',
      })
      .option('pool', { type: 'string', describe: 'Print this pool’s series; without it, list the pools' })
      .option('step', durationOption('stepS'))
      .option('tz', { type: 'string', describe: 'IANA time zone for calendar features (default: the log’s)' })
      .option('from', {
        type: 'string',
        describe: 'First bucket start (ISO, UTC unless an offset is given); default the first submit',
      })
      .option('to', {
        type: 'string',
        describe: 'End of the last bucket (ISO, UTC unless an offset is given); default after the last job',
      })
      .check((argv) => argsProblem(argv) ?? true) as unknown as Argv<SeriesArgs>,
  handler: async (args) => {
    // The check above already reported the problem; never act on arguments it rejected.
    if (argsProblem(args) !== null) return;
    render(args, await computeSeries(args));
  },
};
