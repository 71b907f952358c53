import type { Argv, CommandModule } from 'yargs';
import type { ForecastProgress, PoolForecastReport } from '../../forecast/application.js';
import { ModelNames, type ModelName } from '../../forecast/model-names.js';
import { parseStep } from '../../series/calendar.js';
import { SeriesNames, type SeriesName } from '../../series/types.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table } from '../context.js';
import { historySourceOptions, jobBatchesThenClose, openStoreForReading } from '../history-store.js';
import type { GlobalArgs } from '../context.js';
import { terminalProgress, type Progress } from '../progress.js';

interface ForecastArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  pool: string;
  series: string;
  step: string;
  until: string;
  horizon: number;
  levels: number[] | undefined;
  models: string[] | undefined;
  seed: number;
  tz: string | undefined;
  'lstm-budget': number;
}

/** The minimum levels, plus any asked for. */
function levelsOf(asked: readonly number[] | undefined): number[] {
  return [...new Set([0.1, 0.5, 0.9, ...(asked ?? [])])].sort((a, b) => a - b);
}

function argsProblem(args: Partial<ForecastArgs>): string | null {
  if ([args.swf, args.store].filter((s) => s !== undefined).length !== 1)
    return 'give exactly one of --swf FILE or --store [FILE]';
  if (args.until === undefined || Number.isNaN(Date.parse(args.until)))
    return '--until must be an ISO 8601 date-time';
  if (!SeriesNames.includes(args.series as SeriesName))
    return `--series must be one of ${SeriesNames.join(', ')}`;
  for (const m of args.models ?? [])
    if (!ModelNames.includes(m as ModelName))
      return `--models: unknown model ${m}; known: ${ModelNames.join(', ')}`;
  for (const l of args.levels ?? []) if (!(l > 0 && l < 1)) return `--levels must be in (0, 1), got ${l}`;
  if (!(Number.isInteger(args.horizon) && (args.horizon ?? 0) >= 1))
    return '--horizon must be a positive integer';
  try {
    parseStep(args.step ?? '');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return null;
}

async function computeForecast(args: ForecastArgs, progress: Progress): Promise<PoolForecastReport> {
  // The models (ml-random-forest; tfjs for the LSTM) load only when a forecast runs, not for --help.
  const { forecastPoolDemand } = await import('../../forecast/application.js');
  const { readSwf, readSwfHeader, swfTimeZone } = await import('../../collect/swf.js');
  const untilS = Date.parse(args.until) / 1000;
  const models = args.models as ModelName[] | undefined;
  if (models?.includes('lstm') === true)
    await (await import('../../forecast/models/lstm.js')).prepareLstmBackend();
  const common = {
    pool: args.pool,
    series: args.series as SeriesName,
    stepS: parseStep(args.step),
    untilS,
    horizon: args.horizon,
    levels: levelsOf(args.levels),
    seed: args.seed,
    ...(models === undefined ? {} : { models }),
    // The wall clock enters here, at the outermost layer, only to bound LSTM training.
    lstm: { budgetMs: args['lstm-budget'] * 1000, nowMs: () => systemClock.nowMs() },
    onProgress: (p: ForecastProgress) =>
      progress.update(
        p.stage === 'reading'
          ? { label: 'reading jobs', done: p.jobs, total: 0, unit: 'jobs' }
          : { label: `backtesting ${p.model}`, done: p.done, total: p.total, unit: 'candidate models' },
      ),
  };
  if (args.swf !== undefined) {
    const timeZone = args.tz ?? swfTimeZone(await readSwfHeader(args.swf));
    return forecastPoolDemand({ ...common, timeZone, jobs: readSwf(args.swf) });
  }
  const config = await configFor(args);
  const store = await openStoreForReading(args.store ?? '', config);
  const jobs = jobBatchesThenClose(store, {
    submittedBeforeS: untilS,
    ...(args.source === undefined ? {} : { source: args.source }),
  });
  return forecastPoolDemand({ ...common, timeZone: args.tz ?? config.timeZone, jobs });
}

function render(args: ForecastArgs, report: PoolForecastReport): void {
  const { candidates, ...json } = report;
  output(args, json, () => {
    const levels = Object.keys(report.quantiles).sort((a, b) => Number(a) - Number(b));
    const rows = report.mean.map((m, h) => [
      h + 1,
      m.toFixed(1),
      ...levels.map((l) => (report.quantiles[l]?.[h] ?? 0).toFixed(1)),
    ]);
    const scores = Object.entries(candidates).map(([name, s]) => [
      name === report.model ? `${name} *` : name,
      s.mase.toFixed(3),
      s.pinball.toFixed(2),
      s.mae.toFixed(2),
    ]);
    return [
      `${report.pool} ${report.series}: ${report.mean.length} steps of ${report.step_s} s from ${report.start}, model ${report.model}`,
      table(['model', 'MASE', 'pinball', 'MAE'], scores),
      '',
      table(['step', 'mean', ...levels.map((l) => `q${l}`)], rows),
    ].join('\n');
  });
}

/** `slurmcast forecast`: one pool's demand forecast with intervals, from data strictly before --until. */
export const forecastCommand: CommandModule<GlobalArgs, ForecastArgs> = {
  command: 'forecast',
  describe: 'Forecast a pool’s demand series with quantiles, using only data before --until',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('pool', {
        type: 'string',
        demandOption: true,
        describe: 'Pool to forecast (see `slurmcast series`)',
      })
      .option('series', {
        type: 'string',
        default: 'demand_cpu',
        describe: `One of ${SeriesNames.join(', ')}`,
      })
      .option('step', { type: 'string', default: '1h', describe: 'Bucket length: 300s, 5m, 1h' })
      .option('until', {
        type: 'string',
        demandOption: true,
        describe: 'ISO instant; nothing at or after it is used',
      })
      .option('horizon', { type: 'number', default: 168, describe: 'Steps to forecast' })
      .option('levels', {
        type: 'array',
        number: true,
        describe: 'Extra quantile levels (0.1, 0.5, 0.9 always)',
      })
      .option('models', {
        type: 'array',
        string: true,
        describe: `Candidates (default all but forest, lstm): ${ModelNames.join(', ')}`,
      })
      .option('seed', { type: 'number', default: 1, describe: 'Seed for randomised models' })
      .option('tz', { type: 'string', describe: 'IANA time zone (default: the log’s, or config timeZone)' })
      .option('lstm-budget', {
        type: 'number',
        default: 25,
        describe: 'LSTM training budget per fit, seconds',
      })
      .check((argv) => argsProblem(argv as Partial<ForecastArgs>) ?? true) as unknown as Argv<ForecastArgs>,
  handler: async (args) => {
    if (argsProblem(args) !== null) return;
    const progress = terminalProgress(args.json);
    let report: PoolForecastReport;
    try {
      report = await computeForecast(args, progress);
    } finally {
      progress.end();
    }
    render(args, report);
  },
};
