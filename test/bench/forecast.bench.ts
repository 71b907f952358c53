import { dirname } from 'node:path';
/**
 * Forecast benchmark: `npx tsx test/bench/forecast.bench.ts` (not part of the test suite).
 *
 * On every log in /work/shared/traces (read in place, never copied): hourly demand_cpu of the log's
 * whole queue and of its largest pool, last 4 weeks held out; weekly origins at horizon 168 h and daily
 * origins (refit every day) at horizon 24 h; MAE ratios against weekly seasonal naive and the better of
 * the 4-week same-hour mean and the 8-week same-hour median; 0.1–0.9 coverage; statsmodels Holt-Winters
 * at the weekly origins; timing of 1,000 series × 90 days;
 * LSTM time per series; per-job runtime prediction. Writes its section of docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { JobRecord } from '../../src/shared/job-record.js';
import { readSwf, readSwfHeader, swfTimeZone } from '../../src/collect/swf.js';
import {
  createModel,
  forecastSeries,
  prepareLstmBackend,
  trainJobPredictor,
} from '../../src/forecast/index.js';
import { openTrace, type TraceSource } from '../../src/collect/traces.js';
import { WholeQueuePool } from '../../src/series/build.js';
import { seriesFromJobs } from '../../src/series/from-jobs.js';
import type { PoolSeries } from '../../src/series/types.js';
import { seededRng } from '../../src/shared/rng.js';
import { systemClock } from '../../src/shared/clock.js';
import { tracePath } from '../traces.js';

const TRACES = dirname(tracePath('README.md'));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = `${ROOT}docs/benchmarks.md`;
const WEEK = 168;
const ALIBABA_START = '2023-01-02T00:00:00Z';
const quick = process.argv.includes('--quick');
const WHY = `### Why the misses

- **What the change bought.** Two candidates were added to the selection: the 8-week same-hour median
  (\`median-8w\`, the better simple method on most of the new logs, because one odd week moves a 4-week
  mean but not an 8-week median) and profile-ar on that median (\`profile-ar-median\`). With them the
  chosen forecast is at or below the better simple method at 24 h on every log but LLNL-Thunder (where it
  is within 1 %), and within a few per cent of it at 168 h; it is the better simple method itself wherever
  nothing beats it in the backtest.
- **168 h.** A week ahead, nothing tried beats the same-hour median by the 5 % the target asks: profile-ar's
  correction has decayed by then, and the held-out weeks' demand (large jobs, campaigns) is not in the
  history. Median or weighted combinations of the candidates (measured while choosing: median of
  profile-ar, profile-ar-median and median-8w; inverse-MAE weights; median of the backtest's top three) were
  at best 2–3 % better than the median on some logs and worse on others, never 5 % on all; selection that
  picks per log from such close candidates is the overfitting to avoid, so none was adopted.
- **24 h.** Refitting daily with the recent level helps where deviations persist for a day (Curie, CTC,
  SDSC-BLUE: ≤ 0.85 × the better simple method); on KTH and SDSC-SP2 the gain is about 10 %, and on
  LLNL-Thunder (150 days, bursty) the residual regressions do not carry to the next day and the
  selection falls back to the median.
- **Weekly naive.** Repeating last week is the weakest reference; the chosen forecast is ≤ 0.80 × it on
  most series, missed on Curie and on SDSC-SP2's \`normal\` partition, where the median itself is at
  0.84–0.95 × weekly naive.
- **Coverage.** The conformal intervals are calibrated on the backtest; they over-cover where the backtest
  period was more volatile than the held-out month (KTH, LLNL-Thunder at 168 h: 0.86–0.87) and under-cover
  Curie's whole queue at 168 h (0.68), whose held-out month had larger swings than its backtest.
- **Speed.** The 1,000-series timing was taken with another benchmark and a lab running on the same two
  cores (see its load average); it is re-run on an idle machine before its figure is relied on. It was
  43 s before the two new candidates were added (load average 1.3–3.3 then): they cost part of the
  difference, the busier machine the rest, in shares not measured apart.
- **Per-job, KTH.** KTH users ask for close to what they use (median runtime/request 0.41), and the
  forest's median error is worse than the request's; it is closer than the request for about half of the
  jobs. On every other log, where users ask for much more than they use, it is closer for 65–95 %.
`;

interface Log {
  name: string;
  source: TraceSource;
  swfPath: string | null;
}

function swfLog(name: string, file: string): Log {
  const path = `${TRACES}/${file}`;
  return { name, source: { kind: 'swf', path }, swfPath: path };
}

/** Every shared log. */
const logs: Log[] = [
  swfLog('KTH-SP2-1996', 'KTH-SP2-1996-2.1-cln.swf.gz'),
  swfLog('CEA-Curie-2011', 'CEA-Curie-2011-2.1-cln.swf.gz'),
  swfLog('CTC-SP2-1996', 'CTC-SP2-1996-3.1-cln.swf.gz'),
  swfLog('SDSC-SP2-1998', 'SDSC-SP2-1998-4.2-cln.swf.gz'),
  swfLog('SDSC-BLUE-2000', 'SDSC-BLUE-2000-4.2-cln.swf.gz'),
  swfLog('LLNL-Thunder-2007', 'LLNL-Thunder-2007-1.1-cln.swf.gz'),
  {
    name: 'Alibaba-GPU-2023',
    source: {
      kind: 'alibaba-gpu',
      podsPath: `${TRACES}/alibaba-gpu-v2023-openb_pod_list_default.csv.gz`,
      start: ALIBABA_START,
    },
    swfPath: null,
  },
];

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** The simple methods every forecast is measured against. */
const BASELINES = ['snaive-weekly', 'mean-4w', 'median-8w'] as const;

interface SplitResult {
  mae: Record<string, number>;
  coverage: number;
  chosen: Record<string, number>;
  count: number;
}

function evaluate(ps: PoolSeries, horizon: number, every: number): SplitResult & { origins: number[] } {
  const v = ps.values['demand_cpu'] as Float64Array;
  const n = v.length;
  const sums: Record<string, number> = { chosen: 0, ...Object.fromEntries(BASELINES.map((b) => [b, 0])) };
  const chosen: Record<string, number> = {};
  let inside = 0;
  let count = 0;
  const origins: number[] = [];
  for (let o = n - 4 * WEEK; o + horizon <= n; o += every) {
    origins.push(o);
    const history = { values: v.subarray(0, o), stepS: ps.stepS, startS: ps.startS, timeZone: ps.timeZone };
    const f = forecastSeries(history, { horizon });
    chosen[f.model] = (chosen[f.model] ?? 0) + 1;
    for (const name of BASELINES) {
      const cv = createModel(name, { seed: 1, lstm: {} }).crossValidate(
        { ...history, values: v },
        { horizon, origins: [o], refit: 'every' },
      );
      for (let h = 0; h < horizon; h++)
        sums[name] = (sums[name] ?? 0) + Math.abs((cv.mean[0]?.[h] ?? 0) - (v[o + h] ?? 0));
    }
    for (let h = 0; h < horizon; h++) {
      const y = v[o + h] ?? 0;
      sums['chosen'] = (sums['chosen'] ?? 0) + Math.abs((f.mean[h] ?? 0) - y);
      if (y >= (f.quantiles['0.1']?.[h] ?? 0) && y <= (f.quantiles['0.9']?.[h] ?? 0)) inside++;
      count++;
    }
  }
  const mae = Object.fromEntries(Object.entries(sums).map(([k, s]) => [k, s / count]));
  return { mae, coverage: inside / count, chosen, count, origins };
}

function statsmodelsAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import statsmodels'], { stdio: 'ignore' }).status === 0;
}

function ensureStatsmodels(): boolean {
  if (statsmodelsAvailable()) return true;
  log('python3-statsmodels missing: apt-get install -y python3-statsmodels');
  spawnSync('apt-get', ['install', '-y', 'python3-statsmodels'], { stdio: 'inherit' });
  return statsmodelsAvailable();
}

function referenceHw(
  ps: PoolSeries,
  splits: { origin: number; horizon: number }[],
  historyH: number,
): number {
  const v = ps.values['demand_cpu'] as Float64Array;
  const input = JSON.stringify({ series: [{ name: 's', values: Array.from(v), splits, history: historyH }] });
  const out = execFileSync('/usr/bin/python3', [`${ROOT}test/bench/forecast_hw_reference.py`], {
    input,
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  const res =
    (JSON.parse(out) as Record<string, { origin: number; horizon: number; mean: number[] }[]>)['s'] ?? [];
  let s = 0;
  let c = 0;
  for (const r of res) {
    for (let h = 0; h < r.horizon; h++) {
      s += Math.abs(Math.max(0, r.mean[h] ?? 0) - (v[r.origin + h] ?? 0));
      c++;
    }
  }
  return s / c;
}

interface JobEval {
  tested: number;
  medianAbsErrS: number;
  medianAbsErrRequestS: number;
  closerShare: number;
}

async function jobBenchmark(path: string): Promise<JobEval> {
  const timeZone = swfTimeZone(await readSwfHeader(path));
  const jobs: JobRecord[] = [];
  for await (const batch of readSwf(path)) for (const j of batch) jobs.push(j);
  jobs.sort((a, b) => a.submitS - b.submitS);
  const lastSubmit = jobs[jobs.length - 1]?.submitS ?? 0;
  const errs: number[] = [];
  const reqErrs: number[] = [];
  let closer = 0;
  const perBlock = quick ? 300 : 2000;
  for (let w = 4; w >= 1; w--) {
    const from = lastSubmit - w * WEEK * 3600;
    const to = from + WEEK * 3600;
    const predictor = trainJobPredictor(jobs, { asOfS: from, timeZone, maxTrain: 3000 });
    const block = jobs.filter(
      (j) =>
        j.submitS >= from &&
        j.submitS < to &&
        j.startS !== null &&
        j.endS !== null &&
        j.timeLimitS !== null &&
        j.timeLimitS > 0,
    );
    const stride = Math.max(1, Math.floor(block.length / perBlock));
    for (let k = 0; k < block.length; k += stride) {
      const j = block[k] as JobRecord;
      const actual = (j.endS ?? 0) - (j.startS ?? 0);
      const p = predictor.predict(j);
      const e = Math.abs(p.runtimeS - actual);
      const r = Math.abs((j.timeLimitS ?? 0) - actual);
      errs.push(e);
      reqErrs.push(r);
      if (e < r) closer++;
    }
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  return {
    tested: errs.length,
    medianAbsErrS: med(errs),
    medianAbsErrRequestS: med(reqErrs),
    closerShare: closer / errs.length,
  };
}

function writeSection(body: string): void {
  const begin = '<!-- forecast:begin -->';
  const end = '<!-- forecast:end -->';
  const section = `${begin}\n${body}\n${end}`;
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const a = current.indexOf(begin);
  const b = current.indexOf(end);
  const next =
    a >= 0 && b > a
      ? current.slice(0, a) + section + current.slice(b + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
}

const lines: string[] = [];
const misses: string[] = [];
lines.push('## Forecasting', '');
lines.push(
  'Produced by `npx tsx test/bench/forecast.bench.ts` (about 15 min on the 2-core dev machine).',
  '',
);
lines.push(
  'Series: hourly `demand_cpu` of each log’s whole queue (`slurmcast series --pool all`) and of its largest pool ' +
    '(most CPU demand; left out where the log has one pool, which is then the whole queue), built from the whole log ' +
    '(hindsight demand, the same series for every model). The last 4 weeks are held out. 168 h: 4 weekly origins. ' +
    '24 h: 28 daily origins, `forecastSeries` refitted (and re-selected) at every origin. “chosen” is what ' +
    '`forecastSeries` returns with its default candidates. “÷ best simple” is MAE(chosen) / MAE of the better of the ' +
    'two simple methods on the same hours (mean of the same hour over the previous 4 weeks, median over the previous 8), ' +
    'named after the ratio; targets: ≤ 0.85 at 24 h, ≤ 0.95 at 168 h, and ≤ 0.80 × weekly seasonal naive at both.',
  '',
);
lines.push(
  '| log (pool) | horizon | MAE chosen | ÷ best simple | ÷ weekly naive | statsmodels HW MAE | chosen ÷ HW | 0.1–0.9 coverage | models chosen |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
);
const hwOk = ensureStatsmodels();
const series90: PoolSeries[] = [];
const mark = (ok: boolean): string => (ok ? '✓' : '✗');
for (const l of logs) {
  if (!existsSync(l.source.kind === 'swf' ? l.source.path : l.source.podsPath)) continue;
  log(`reading ${l.name}`);
  const trace = await openTrace(l.source);
  const ts = await seriesFromJobs(trace.jobs, { stepS: 3600, timeZone: trace.timeZone });
  // Largest by CPU demand, not by job count: a pool of many tiny interactive jobs is a flat series.
  const cpuHours = (x: PoolSeries): number =>
    Array.from(x.values['demand_cpu'] ?? []).reduce((a, v) => a + v, 0);
  const largest = [...ts.series].sort((a, b) => cpuHours(b) - cpuHours(a))[0]?.pool ?? '';
  const whole = await seriesFromJobs((await openTrace(l.source)).jobs, {
    stepS: 3600,
    timeZone: trace.timeZone,
    pool: WholeQueuePool,
  });
  const targets = [
    whole.series[0],
    ...(ts.pools.length > 1 ? [ts.series.find((x) => x.pool === largest)] : []),
  ];
  // Pools with real traffic only: a pool of a dozen jobs is a flat zero series, which says nothing about speed.
  const busy = new Set(ts.pools.filter((p) => p.jobs >= 1000).map((p) => p.pool));
  for (const x of ts.series)
    if (busy.has(x.pool) && (x.values['demand_cpu']?.length ?? 0) >= 90 * 24 + WEEK) series90.push(x);
  for (const ps of targets) {
    if (ps === undefined) continue;
    const label = ps.pool === WholeQueuePool ? 'all' : ps.pool;
    for (const [horizon, every] of [
      [168, 168],
      [24, 24],
    ] as const) {
      log(`  ${l.name} ${label} horizon ${horizon}`);
      const r = evaluate(ps, horizon, every);
      let hw = Number.NaN;
      // The reference Holt-Winters at the weekly origins only: at 28 daily origins it would take most of the run.
      if (hwOk && !quick && horizon === 168) {
        try {
          hw = referenceHw(
            ps,
            r.origins.map((origin) => ({ origin, horizon })),
            16 * WEEK,
          );
        } catch (error) {
          log(`  statsmodels failed: ${String(error)}`);
        }
      }
      const chosen = r.mae['chosen'] ?? Number.NaN;
      const simple = (['mean-4w', 'median-8w'] as const).reduce((a, b) =>
        (r.mae[a] ?? Infinity) <= (r.mae[b] ?? Infinity) ? a : b,
      );
      const vsSimple = chosen / (r.mae[simple] ?? Number.NaN);
      const vsNaive = chosen / (r.mae['snaive-weekly'] ?? Number.NaN);
      const simpleTarget = horizon === 24 ? 0.85 : 0.95;
      const coverageOk = r.coverage >= 0.75 && r.coverage <= 0.85;
      lines.push(
        `| ${l.name} (${label}) | ${horizon} h | ${fmt(chosen, 1)} | ${fmt(vsSimple)} (${simple}) ${mark(vsSimple <= simpleTarget)} | ${fmt(vsNaive)} ${mark(vsNaive <= 0.8)} | ${fmt(hw, 1)} | ${fmt(chosen / hw)} | ${fmt(r.coverage)} ${mark(coverageOk)} | ${Object.entries(
          r.chosen,
        )
          .map(([k, c]) => `${k}×${c}`)
          .join(', ')} |`,
      );
      const at = `${l.name} (${label}) ${horizon} h`;
      if (!(vsSimple <= simpleTarget))
        misses.push(`${at}: ${fmt(vsSimple)} × ${simple} (target ≤ ${simpleTarget}).`);
      if (!(vsNaive <= 0.8)) misses.push(`${at}: ${fmt(vsNaive)} × weekly naive (target ≤ 0.80).`);
      if (!coverageOk) misses.push(`${at}: 0.1–0.9 coverage ${fmt(r.coverage)} (target 0.75–0.85).`);
    }
  }
}
lines.push('');
lines.push(
  hwOk
    ? 'statsmodels: Debian `python3-statsmodels` `ExponentialSmoothing(trend="add", damped_trend=True, seasonal="add", seasonal_periods=168)`, ' +
        'fitted on the 16 weeks before each origin (a full-history fit with a 168-slot season takes minutes per origin), run by `test/bench/forecast_hw_reference.py`.'
    : 'statsmodels could not be installed here; the reference Holt-Winters column is empty.',
  '',
);

// Timing: 1,000 series × 90 days, default candidates (no LSTM), horizon 168.
{
  const rng = seededRng(42);
  const windows: { values: Float64Array; ps: PoolSeries }[] = [];
  const total = quick ? 100 : 1000;
  for (let k = 0; k < total; k++) {
    const ps = series90[Math.floor(rng.next() * series90.length)] as PoolSeries;
    const v = ps.values['demand_cpu'] as Float64Array;
    const off = Math.floor(rng.next() * (v.length - 90 * 24));
    windows.push({ values: v.slice(off, off + 90 * 24), ps: { ...ps, startS: ps.startS + off * ps.stepS } });
  }
  log(`timing ${total} series`);
  const t0 = systemClock.nowMs();
  for (const w of windows) {
    forecastSeries(
      { values: w.values, stepS: 3600, startS: w.ps.startS, timeZone: w.ps.timeZone },
      { horizon: 168 },
    );
  }
  const s = (systemClock.nowMs() - t0) / 1000;
  lines.push(
    `Timing: ${total} series × 90 days (windows of the logs’ pool series), \`forecastSeries\` with the default candidates ` +
      `(selection over 24 backtest origins + intervals + forecast, horizon 168): **${fmt(s, 1)} s** on one core ` +
      `(${fmt((s * 1000) / total, 1)} ms per series; target < 60 s for 1,000). Load average during the run: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' / ')} on 2 cores shared with other work, so wall-clock figures vary between runs.`,
    '',
  );
  if (!quick && !(s < 60)) misses.push(`1,000-series timing ${fmt(s, 1)} s (target < 60 s).`);
  // The forest is not a default candidate: report its own cost.
  const w = windows[0];
  if (w !== undefined) {
    const f0 = systemClock.nowMs();
    const fr = forecastSeries(
      { values: w.values, stepS: 3600, startS: w.ps.startS, timeZone: w.ps.timeZone },
      { horizon: 168, models: ['forest'] },
    );
    lines.push(
      `Random forest alone (one 90-day series, selection backtest included): ${fmt((systemClock.nowMs() - f0) / 1000, 1)} s, backtest MASE ${fmt(fr.backtest.mase)}.`,
      '',
    );
  }
  // LSTM: per-series time with a 25 s budget on the wall clock.
  await prepareLstmBackend();
  const lstmRows: string[] = [];
  for (const x of windows.slice(0, quick ? 1 : 2)) {
    const l0 = systemClock.nowMs();
    const fr = forecastSeries(
      { values: x.values, stepS: 3600, startS: x.ps.startS, timeZone: x.ps.timeZone },
      { horizon: 168, models: ['lstm'], lstm: { budgetMs: 12_000, nowMs: () => systemClock.nowMs() } },
    );
    const secs = (systemClock.nowMs() - l0) / 1000;
    lstmRows.push(`${fmt(secs, 1)} s (backtest MASE ${fmt(fr.backtest.mase)})`);
    if (!(secs < 30)) misses.push(`LSTM took ${fmt(secs, 1)} s for one series (target 30 s).`);
  }
  lines.push(
    `LSTM (tfjs wasm, 16 units, 12 s training budget per fit; forecastSeries fits twice: once for the backtest, once on the whole series), per 90-day series: ${lstmRows.join('; ')}.`,
    '',
  );
}

// Per-job runtime prediction.
lines.push(
  'Per-job runtime prediction (random forest; for each of the last 4 weeks, trained on the 3,000 most recent jobs that ended before the week began, tested on an even sample (every k-th, about 2,000 or more) of the jobs submitted in it):',
  '',
);
lines.push(
  '| log | jobs tested | median abs. error (pred.) | median abs. error (request) | share closer than request |',
  '|---|---:|---:|---:|---:|',
);
for (const l of logs) {
  if (l.swfPath === null) continue;
  log(`jobs ${l.name}`);
  const r = await jobBenchmark(l.swfPath);
  lines.push(
    `| ${l.name} | ${r.tested} | ${fmt(r.medianAbsErrS, 0)} s | ${fmt(r.medianAbsErrRequestS, 0)} s | ${fmt(r.closerShare * 100, 1)} % |`,
  );
}
lines.push('', 'The Alibaba GPU trace has no requested walltime, so it has no per-job runtime row.', '');
lines.push('### Targets missed', '');
lines.push(...(misses.length === 0 ? ['None.'] : misses.map((m) => `- ${m}`)), '');
// Analysis of the figures above as measured when this script was written; re-read it after a change.
lines.push(WHY);
const body = lines.join('\n');
if (!quick) writeSection(body);
process.stdout.write(`${body}\n`);
