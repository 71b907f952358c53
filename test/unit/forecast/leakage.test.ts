import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { forecastPoolDemand, type JobBatches } from '../../../src/forecast/application.js';
import { asKnownAt } from '../../../src/series/known-at.js';
import { MONDAY_UTC_S } from './synthetic.js';

function job(id: number, submitS: number, runS: number, cpus: number): JobRecord {
  return {
    source: 'test',
    jobId: String(id),
    name: null,
    user: `u${id % 5}`,
    account: null,
    partition: 'batch',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS,
    eligibleS: submitS,
    startS: submitS + 60,
    endS: submitS + 60 + runS,
    timeLimitS: 4 * 3600,
    nodeCount: 1,
    cpuCount: cpus,
    memMiB: 1024,
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
  };
}

/** Five weeks of jobs: busier on weekday working hours. */
function history(): JobRecord[] {
  const jobs: JobRecord[] = [];
  let id = 1;
  for (let h = 0; h < 5 * 168; h++) {
    const hour = h % 24;
    const weekday = Math.floor(h / 24) % 7 < 5;
    const count = weekday && hour >= 8 && hour < 18 ? 4 : 1;
    for (let k = 0; k < count; k++)
      jobs.push(job(id++, MONDAY_UTC_S + h * 3600 + k * 600, 1800 + ((id * 977) % 7200), 1 + (id % 16)));
  }
  return jobs;
}

async function* batches(jobs: readonly JobRecord[]): JobBatches {
  yield jobs;
}

const UNTIL_S = MONDAY_UTC_S + 4 * 168 * 3600 + 13 * 3600;

describe('no data at or after --until influences the forecast', () => {
  it('gives the identical report when everything after the cut changes', async () => {
    const base = history();
    const changed = base.map((j) => {
      if (j.submitS >= UNTIL_S) return { ...j, cpuCount: j.cpuCount * 50, submitS: j.submitS + 7 };
      // Jobs still running at the cut: their end (the future) changes.
      if ((j.endS ?? 0) >= UNTIL_S) return { ...j, endS: (j.endS ?? 0) + 50_000 };
      return j;
    });
    changed.push(job(999_999, UNTIL_S, 100_000, 4096));
    const request = {
      timeZone: 'Europe/Stockholm',
      pool: 'batch',
      series: 'demand_cpu' as const,
      stepS: 3600,
      untilS: UNTIL_S,
      horizon: 24,
      levels: [0.1, 0.5, 0.9],
    };
    const a = await forecastPoolDemand({ ...request, jobs: batches(base) });
    const b = await forecastPoolDemand({ ...request, jobs: batches(changed) });
    expect(b).toEqual(a);
    expect(a.start).toBe('2024-01-29T13:00:00Z');
    expect(a.mean).toHaveLength(24);
    expect(Object.keys(a.quantiles)).toEqual(['0.1', '0.5', '0.9']);
  });

  it('but does change when the past changes (the test can fail)', async () => {
    const base = history();
    const changed = base.map((j) =>
      j.submitS < UNTIL_S - 3 * 3600 ? { ...j, cpuCount: j.cpuCount * 3 } : j,
    );
    const request = {
      timeZone: 'UTC',
      pool: 'batch',
      series: 'demand_cpu' as const,
      stepS: 3600,
      untilS: UNTIL_S,
      horizon: 24,
      levels: [0.1, 0.5, 0.9],
    };
    const a = await forecastPoolDemand({ ...request, jobs: batches(base) });
    const b = await forecastPoolDemand({ ...request, jobs: batches(changed) });
    expect(b.mean).not.toEqual(a.mean);
  });

  it('sees a job running at the cut as running, with no end and no outcome', () => {
    const j = job(1, 1000, 5000, 8);
    expect(asKnownAt(j, 900)).toBeNull();
    expect(asKnownAt(j, 2000)).toMatchObject({ state: 'RUNNING', startS: 1060, endS: null });
    expect(asKnownAt(j, 1030)).toMatchObject({ state: 'PENDING', startS: null, endS: null });
    expect(asKnownAt(j, 10_000)).toBe(j);
  });
});
