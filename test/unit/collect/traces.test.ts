import { describe, expect, it } from 'vitest';
import { openTrace } from '../../../src/collect/traces.js';
import { readSwf } from '../../../src/collect/swf.js';
import { buildPoolSeries } from '../../../src/series/build.js';
import { seriesFromJobs } from '../../../src/series/from-jobs.js';
import type { JobRecord } from '../../../src/shared/job-record.js';

describe('a trace opened by collect and its series built by series', () => {
  it('gives the log’s zone, its jobs in batches and, once read, its summary', async () => {
    const trace = await openTrace({ kind: 'swf', path: 'test/fixtures/swf/hand-20.swf' });
    expect(trace.timeZone).toBe('Europe/Stockholm');
    expect(() => trace.summary()).toThrow(/once the iteration has finished/);
    const { series, pools } = await seriesFromJobs(trace.jobs, { stepS: 3600, timeZone: trace.timeZone });
    expect(trace.summary()).toEqual({ source: 'swf:hand-20', jobs: 12, skipped: 0 });
    // The same series as building them from the records directly.
    const records: JobRecord[] = [];
    for await (const batch of readSwf('test/fixtures/swf/hand-20.swf')) records.push(...batch);
    const direct = buildPoolSeries(records, { stepS: 3600, timeZone: 'Europe/Stockholm' });
    expect(series.map((s) => s.pool)).toEqual(direct.map((s) => s.pool));
    expect(Array.from(series[0]?.values['demand_cpu'] ?? [])).toEqual(
      Array.from(direct[0]?.values['demand_cpu'] ?? []),
    );
    expect(pools.reduce((n, p) => n + p.jobs, 0)).toBe(12);
  });

  it('reads the Alibaba pods and node list, in UTC', async () => {
    const trace = await openTrace({
      kind: 'alibaba-gpu',
      podsPath: 'test/fixtures/alibaba/pods.csv',
      nodesPath: 'test/fixtures/alibaba/nodes.csv',
      start: '2023-01-01T00:00:00Z',
    });
    expect(trace.timeZone).toBe('UTC');
    expect(trace.inventory?.nodes.length).toBeGreaterThan(0);
    let jobs = 0;
    for await (const batch of trace.jobs) jobs += batch.length;
    expect(trace.summary()).toMatchObject({ source: 'alibaba:pods', jobs, skipped: 1 });
  });

  it('names the origin when the pool asked for is not in the jobs', async () => {
    const trace = await openTrace({ kind: 'swf', path: 'test/fixtures/swf/hand-20.swf' });
    await expect(
      seriesFromJobs(trace.jobs, { stepS: 3600, timeZone: 'UTC', pool: 'nope', origin: 'hand-20.swf' }),
    ).rejects.toThrow(/no pool "nope" in hand-20\.swf; pools: batch/);
  });
});
