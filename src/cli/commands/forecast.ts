import type { Argv, CommandModule } from 'yargs';
import type { ForecastProgress, PoolForecastReport } from '../../forecast/application.js';
import { ModelNames, type ModelName } from '../../forecast/model-names.js';
import {
  BaseForecastLevels,
  durationOption,
  numberOption,
  rangeText,
  resolveForecastParams,
  type ResolvedForecastParams,
} from '../../config/params.js';
import { parseStep } from '../../series/calendar.js';
import { SeriesNames, type SeriesName } from '../../series/types.js';
import { systemClock } from '../../shared/clock.js';
import { parseInstant } from '../../shared/time.js';
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

/** The levels every forecast reports (0.1, 0.5, 0.9), plus any asked for. */
function levelsOf(asked: readonly number[] | undefined): number[] {
  return [...new Set([...BaseForecastLevels, ...(asked ?? [])])].sort((a, b) => a - b);
}

/**
 * Checks the arguments with the same resolvers the library uses. A returned message is a usage error
 * (exit 2); a bad number or time throws its own typed error, which is exit 2 as well.
 * @throws {ParameterRangeError} @throws {InvalidInstantError}
 */
function argsProblem(args: Partial<ForecastArgs>): string | null {
  if ([args.swf, args.store].filter((s) => s !== undefined).length !== 1)
    return 'give exactly one of --swf FILE or --store [FILE]';
  parseInstant(args.until ?? '', '--until');
  if (!SeriesNames.includes(args.series as SeriesName))
    return `--series must be one of ${SeriesNames.join(', ')}`;
  for (const m of args.models ?? [])
    if (!ModelNames.includes(m as ModelName))
      return `--models: unknown model ${m}; known: ${ModelNames.join(', ')}`;
  resolveParams(args);
  return null;
}

function resolveParams(args: Partial<ForecastArgs>): ResolvedForecastParams {
  return resolveForecastParams({
    horizon: args.horizon,
    levels: levelsOf(args.levels),
    seed: args.seed,
    lstmBudgetS: args['lstm-budget'],
    stepS: parseStep(args.step ?? ''),
  });
}

async function computeForecast(args: ForecastArgs, progress: Progress): Promise<PoolForecastReport> {
  // The models (ml-random-forest; tfjs for the LSTM) load only when a forecast runs, not for --help.
  const { forecastPoolDemand } = await import('../../forecast/application.js');
  const { readSwf, readSwfHeader, swfTimeZone } = await import('../../collect/swf.js');
  const untilS = parseInstant(args.until, '--until');
  const params = resolveParams(args);
  const models = args.models as ModelName[] | undefined;
  if (models?.includes('lstm') === true) await (await import('../../forecast/index.js')).prepareLstmBackend();
  const common = {
    pool: args.pool,
    series: args.series as SeriesName,
    stepS: params.stepS,
    untilS,
    horizon: params.horizon,
    levels: params.levels,
    seed: params.seed,
    ...(models === undefined ? {} : { models }),
    // The wall clock enters here, at the outermost layer, only to bound LSTM training.
    lstm: { budgetMs: params.lstmBudgetS * 1000, nowMs: () => systemClock.nowMs() },
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
      .option('step', durationOption('stepS'))
      .option('until', {
        type: 'string',
        demandOption: true,
        describe:
          'ISO 8601 instant (UTC unless it has an offset); nothing at or after it is used. At most one step after the data’s last submit',
      })
      .option('horizon', numberOption('horizon'))
      .option('levels', {
        type: 'array',
        number: true,
        describe: `Extra quantile levels (0.1, 0.5, 0.9 always); each ${rangeText('level')}`,
      })
      .option('models', {
        type: 'array',
        string: true,
        describe: `Candidates (default all but forest, lstm): ${ModelNames.join(', ')}`,
      })
      .option('seed', numberOption('seed'))
      .option('tz', { type: 'string', describe: 'IANA time zone (default: the log’s, or config timeZone)' })
      .option('lstm-budget', numberOption('lstmBudgetS'))
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
