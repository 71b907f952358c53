import type { Argv, CommandModule } from 'yargs';
import type { EntityForecast } from '../../forecast/sessions.js';
import { EntityKinds, type EntityKind } from '../../forecast/sessions.js';
import { numberOption, resolveSessionParams, type ResolvedSessionParams } from '../../config/params.js';
import { parseInstant } from '../../shared/time.js';
import { configFor, output, table, type GlobalArgs } from '../context.js';
import { historySourceOptions, jobBatchesThenClose, openStoreForReading } from '../history-store.js';

interface SessionArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  by: string;
  until: string;
  window: number;
  horizon: number;
  'min-confidence': number | undefined;
  top: number;
  tz: string | undefined;
}

function resolveParams(args: Partial<SessionArgs>, minConfidence: number | undefined): ResolvedSessionParams {
  return resolveSessionParams({
    windowS: args.window,
    horizonWindows: args.horizon,
    minConfidence: args['min-confidence'] ?? minConfidence,
  });
}

/** A usage problem (exit 2), or null; bad numbers and times throw their own exit-2 errors. */
function argsProblem(args: Partial<SessionArgs>): string | null {
  if ([args.swf, args.store].filter((s) => s !== undefined).length !== 1)
    return 'give exactly one of --swf FILE or --store [FILE]';
  if (!EntityKinds.includes(args.by as EntityKind)) return `--by must be one of ${EntityKinds.join(', ')}`;
  parseInstant(args.until ?? '', '--until');
  resolveParams(args, undefined);
  return null;
}

async function compute(args: SessionArgs): Promise<EntityForecast[]> {
  const { forecastSessionsFromHistory } = await import('../../forecast/application.js');
  const untilS = parseInstant(args.until, '--until');
  const by = args.by as EntityKind;
  if (args.swf !== undefined) {
    const { readSwf, readSwfHeader, swfTimeZone } = await import('../../collect/swf.js');
    const timeZone = args.tz ?? swfTimeZone(await readSwfHeader(args.swf));
    return forecastSessionsFromHistory({
      jobs: readSwf(args.swf),
      by,
      untilS,
      timeZone,
      params: resolveParams(args, undefined),
    });
  }
  const config = await configFor(args);
  const store = await openStoreForReading(args.store ?? '', config);
  const jobs = jobBatchesThenClose(store, {
    submittedBeforeS: untilS,
    ...(args.source === undefined ? {} : { source: args.source }),
  });
  return forecastSessionsFromHistory({
    jobs,
    by,
    untilS,
    timeZone: args.tz ?? config.timeZone,
    params: resolveParams(args, config.plan.minForecastConfidence),
  });
}

/** `slurmcast forecast-sessions`: who will submit in the coming windows, with a confidence to act on. */
export const forecastSessionsCommand: CommandModule<GlobalArgs, SessionArgs> = {
  command: 'forecast-sessions',
  describe:
    'Forecast, per user, account or task type, the chance of submitting in each coming window and how much, with a confidence',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('by', { type: 'string', default: 'user', describe: `One of ${EntityKinds.join(', ')}` })
      .option('until', {
        type: 'string',
        demandOption: true,
        describe:
          'ISO 8601 instant (UTC unless it has an offset); jobs submitted at or after it are not read',
      })
      .option('window', numberOption('sessionWindowS'))
      .option('horizon', numberOption('sessionHorizon'))
      .option('min-confidence', {
        ...numberOption('minForecastConfidence'),
        default: undefined,
        describe: `${numberOption('minForecastConfidence').describe} (default: config plan.minForecastConfidence)`,
      })
      .option('top', { type: 'number', default: 20, describe: 'Rows shown in the table (all with --json)' })
      .option('tz', { type: 'string', describe: 'IANA time zone (default: the log’s, or config timeZone)' })
      .check((argv) => argsProblem(argv as Partial<SessionArgs>) ?? true) as unknown as Argv<SessionArgs>,
  handler: async (args) => {
    if (argsProblem(args) !== null) return;
    const forecasts = await compute(args);
    output(args, forecasts, () => {
      const pct = (x: number): string => `${Math.round(100 * x)} %`;
      const rows = forecasts
        .slice(0, Math.max(0, Math.floor(args.top)))
        .map((f) => [
          f.entity,
          pct(f.probabilities[0] ?? 0),
          f.expectedActiveWindows.toFixed(1),
          f.typical.jobs,
          f.typical.cpus,
          f.typical.gpus === 0 ? '0' : `${f.typical.gpus} ${f.typical.gpuType ?? ''}`.trim(),
          Number.isFinite(f.confidence) ? f.confidence.toFixed(2) : '-',
          f.activeWindows,
          f.actionable ? 'yes' : 'no',
        ]);
      const acted = forecasts.filter((f) => f.actionable).length;
      return [
        `${forecasts.length} ${args.by === 'task-type' ? 'task types' : `${args.by}s`} forecast from ${args.until}; ${acted} confident enough to act on.`,
        table(
          [
            args.by,
            'next window',
            'in horizon',
            'jobs',
            'CPUs',
            'GPUs',
            'confidence',
            'active windows',
            'act',
          ],
          rows,
        ),
        '',
        'next window: chance of at least one submission in the first window; active windows ahead: windows of the horizon expected to have one.',
        'jobs, CPUs, GPUs: what one of its active windows usually asks for (median).',
        'confidence: Brier skill of the same forecast on the weeks before the cut (1 perfect, 0 no better than its base rate); act: at or above --min-confidence.',
      ].join('\n');
    });
  },
};
