/**
 * Per-user and per-account session forecasts on windows the model never saw: `npx tsx test/bench/sessions.bench.ts`.
 *
 * On every shared SWF log: a cut at the start of each of the last 28 days; at each cut `forecastSessions`
 * (defaults: 1 h windows, 24 ahead, 8 weeks fitted, confidence from the 2 weeks before the cut), then
 * the 24 windows after the cut are scored: the Brier score of the forecast against the Brier score of
 * the entity's base rate, pooled over the forecasts the confidence marks actionable and over the rest.
 * The confidence is worth something if the actionable ones beat their base rate after the cut and the
 * others do not. Writes the `<!-- forecast-sessions:begin -->` section of docs/benchmarks.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSwf, readSwfHeader, swfTimeZone } from '../../src/collect/swf.js';
import { resolveSessionParams } from '../../src/config/params.js';
import { forecastSessions, type EntityKind } from '../../src/forecast/sessions.js';
import type { JobRecord } from '../../src/shared/job-record.js';
import { tracePath } from '../traces.js';

const TRACES = dirname(tracePath('README.md'));
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const LOGS = [
  'KTH-SP2-1996-2.1-cln',
  'CEA-Curie-2011-2.1-cln',
  'CTC-SP2-1996-3.1-cln',
  'SDSC-SP2-1998-4.2-cln',
  'SDSC-BLUE-2000-4.2-cln',
  'LLNL-Thunder-2007-1.1-cln',
];
const DAY = 86_400;
const params = resolveSessionParams({});
const fmt = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

interface Pool {
  forecasts: number;
  brier: number;
  brierBase: number;
}
const skill = (p: Pool): number => (p.brierBase > 0 ? 1 - p.brier / p.brierBase : Number.NaN);

const lines: string[] = [
  '## Forecast sessions: per user and account, after the cut',
  '',
  'Produced by `npx tsx test/bench/sessions.bench.ts`. On every shared SWF log, a cut at the start of each of the ' +
    'last 28 days; at each cut `forecastSessions` with its defaults (1 h windows, 24 ahead, 8 weeks fitted, ' +
    'confidence = Brier skill on the 2 weeks before the cut, actionable from 0.1), then the 24 windows after the ' +
    'cut, which no fit saw, are scored. "Skill after the cut" is 1 − Brier(forecast) / Brier(the entity’s base rate), ' +
    'pooled over all (entity, window) pairs of the group: above 0 the forecast beats the entity’s base rate. ' +
    'An account row with no forecasts is a log that records no group ids.',
  '',
  '| log | by | forecasts | actionable | skill after the cut, actionable | skill after the cut, the rest |',
  '|---|---|---:|---:|---:|---:|',
];
const started = performance.now();
for (const name of LOGS) {
  const path = `${TRACES}/${name}.swf.gz`;
  if (!existsSync(path)) continue;
  const timeZone = swfTimeZone(await readSwfHeader(path));
  const jobs: JobRecord[] = [];
  for await (const batch of readSwf(path)) for (const j of batch) jobs.push(j);
  jobs.sort((a, b) => a.submitS - b.submitS);
  const lastS = jobs[jobs.length - 1]?.submitS ?? 0;
  const firstCut = Math.floor(lastS / DAY) * DAY - 28 * DAY;
  for (const by of ['user', 'account'] as const satisfies readonly EntityKind[]) {
    const acted: Pool = { forecasts: 0, brier: 0, brierBase: 0 };
    const rest: Pool = { forecasts: 0, brier: 0, brierBase: 0 };
    for (let cutS = firstCut; cutS < firstCut + 28 * DAY; cutS += DAY) {
      const forecasts = forecastSessions(jobs, { by, cutS, timeZone, ...params });
      // Which windows after the cut each entity really submitted in.
      const active = new Map<string, Set<number>>();
      for (const j of jobs) {
        if (j.submitS < cutS) continue;
        const w = Math.floor((j.submitS - cutS) / params.windowS);
        if (w >= params.horizonWindows) break;
        const key = by === 'user' ? j.user : j.account;
        if (key === null) continue;
        let set = active.get(key);
        if (set === undefined) active.set(key, (set = new Set()));
        set.add(w);
      }
      for (const f of forecasts) {
        const pool = f.actionable ? acted : rest;
        pool.forecasts++;
        const seen = active.get(f.entity);
        f.probabilities.forEach((p, w) => {
          const y = seen?.has(w) === true ? 1 : 0;
          pool.brier += (p - y) ** 2;
          pool.brierBase += (f.baseRate - y) ** 2;
        });
      }
    }
    const total = acted.forecasts + rest.forecasts;
    lines.push(
      `| ${name} | ${by} | ${total} | ${acted.forecasts} (${fmt((100 * acted.forecasts) / Math.max(1, total), 0)} %) | ${fmt(skill(acted))} | ${fmt(skill(rest))} |`,
    );
    process.stderr.write(`${lines.at(-1)}\n`);
  }
}
lines.push('', `Bench wall time: ${fmt((performance.now() - started) / 1000, 0)} s.`, '');

const begin = '<!-- forecast-sessions:begin -->';
const end = '<!-- forecast-sessions:end -->';
const section = `${begin}\n${lines.join('\n')}\n${end}`;
const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
const a = current.indexOf(begin);
const b = current.indexOf(end);
writeFileSync(
  DOC,
  a >= 0 && b > a
    ? current.slice(0, a) + section + current.slice(b + end.length)
    : `${current.trimEnd()}\n\n${section}\n`,
);
process.stdout.write(`${section}\n`);
