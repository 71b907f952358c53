import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seriesFromStore } from '../../../src/series/from-store.js';
import { JobRecordSchema } from '../../../src/shared/job-record.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import type { PoolSeries } from '../../../src/series/types.js';
import {
  SCENARIO_FIRST_JOB_ID,
  dailyGpuBurstScenario,
  replayScenarioIntoConfigStore,
  writeScenario,
} from '../../lab/scenario.js';

const END_S = Date.parse('2026-12-01T00:00:00Z') / 1000;
const BURST_HOUR = 14;

/** Mean of a series by UTC hour of day. */
function byHourOfDay(series: PoolSeries, name: string): number[] {
  const values = series.values[name];
  if (values === undefined) throw new Error(`no series ${name} in pool ${series.pool}`);
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  values.forEach((v, i) => {
    const hour = Math.floor(((series.startS + i * series.stepS) % 86_400) / 3_600);
    sums[hour] = (sums[hour] ?? 0) + v;
    counts[hour] = (counts[hour] ?? 0) + 1;
  });
  return sums.map((s, h) => s / Math.max(1, counts[h] ?? 0));
}

describe('the daily GPU burst scenario for the lab', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is five weeks of valid slurm:lab records, the same for the same seed and different for another', () => {
    const jobs = dailyGpuBurstScenario({ cluster: 'lab', endS: END_S });
    for (const j of jobs) expect(JobRecordSchema.parse(j)).toEqual(j);
    expect(new Set(jobs.map((j) => j.source))).toEqual(new Set(['slurm:lab']));
    expect(Math.min(...jobs.map((j) => Number(j.jobId)))).toBe(SCENARIO_FIRST_JOB_ID);
    const days = new Set(jobs.map((j) => Math.floor(j.submitS / 86_400)));
    expect(days.size).toBe(35);
    expect(Math.max(...jobs.map((j) => j.endS ?? 0))).toBeLessThan(END_S + 86_400);
    expect(dailyGpuBurstScenario({ cluster: 'lab', endS: END_S })).toEqual(jobs);
    expect(dailyGpuBurstScenario({ cluster: 'lab', endS: END_S, seed: 10 })).not.toEqual(jobs);
  });

  it('adds, on request, a CPU burst of three whole-node physics jobs at the burst minute', () => {
    const jobs = dailyGpuBurstScenario({ cluster: 'lab', endS: END_S, cpuBurstJobs: 3, burstMinuteUtc: 30 });
    const cpuBurst = jobs.filter((j) => j.name === 'scenario-cpu-burst');
    expect(cpuBurst).toHaveLength(3 * 35);
    for (const j of [...cpuBurst, ...jobs.filter((x) => x.name === 'scenario-h100-burst')]) {
      const offsetS = (j.submitS % 86_400) - (BURST_HOUR * 3_600 + 30 * 60);
      expect(offsetS).toBeGreaterThanOrEqual(0);
      expect(offsetS).toBeLessThanOrEqual(600);
    }
    expect(new Set(cpuBurst.map((j) => `${j.partition}:${j.account}:${j.cpuCount}`))).toEqual(
      new Set(['cpu:physics:8']),
    );
    expect(() => dailyGpuBurstScenario({ cluster: 'lab', endS: END_S, burstMinuteUtc: 60 })).toThrow(
      'burstMinuteUtc',
    );
  });

  it('written into an embedded store, its series shows the h100 burst of research at the burst hour every day', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const store = await openEmbeddedStore(join(dir, 'history.db'));
    try {
      const jobs = dailyGpuBurstScenario({ cluster: 'lab', endS: END_S, burstHourUtc: BURST_HOUR });
      expect(await writeScenario(store, jobs)).toBe(jobs.length);
      const { series, pools } = await seriesFromStore(store, {
        stepS: 3_600,
        timeZone: 'UTC',
        source: 'slurm:lab',
      });
      expect(pools.map((p) => p.pool).sort()).toEqual(['cpu', 'gpu/h100']);
      const gpu = series.find((s) => s.pool === 'gpu/h100');
      if (gpu === undefined) throw new Error('no gpu/h100 series');
      const gpuByHour = byHourOfDay(gpu, 'demand_gpu');
      const peak = gpuByHour.indexOf(Math.max(...gpuByHour));
      expect(peak).toBe(BURST_HOUR);
      expect(gpuByHour[BURST_HOUR]).toBeGreaterThan(1);
      // Burst jobs end by 15:05 at the latest: no GPU demand at any other hour.
      gpuByHour.forEach((v, h) => {
        if (h !== BURST_HOUR && h !== BURST_HOUR + 1) expect(v, `hour ${h}`).toBe(0);
      });
      expect(gpuByHour[BURST_HOUR + 1]).toBeLessThan((gpuByHour[BURST_HOUR] ?? 0) / 2);
      // Every day, not on average only: each day's burst-hour bucket holds GPU demand.
      const values = gpu.values['demand_gpu'] ?? new Float64Array();
      const burstBuckets = [...values.keys()].filter(
        (i) => Math.floor(((gpu.startS + i * 3_600) % 86_400) / 3_600) === BURST_HOUR,
      );
      expect(burstBuckets).toHaveLength(35);
      expect(burstBuckets.every((i) => (values[i] ?? 0) > 0)).toBe(true);
      const cpu = series.find((s) => s.pool === 'cpu');
      if (cpu === undefined) throw new Error('no cpu series');
      expect(byHourOfDay(cpu, 'demand_cpu').every((v) => v > 0)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('replays into the store a Slurmcast config names, once however often it runs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const configPath = join(dir, 'slurmcast.yaml');
    writeFileSync(
      configPath,
      `cluster: lab\nstore:\n  kind: embedded\n  path: ${JSON.stringify(join(dir, 'h.db'))}\n  spoolDir: ${JSON.stringify(join(dir, 'spool'))}\n`,
    );
    const first = await replayScenarioIntoConfigStore(configPath, { endS: END_S, days: 7 });
    expect(first).toBe(7 * (24 + 2));
    await replayScenarioIntoConfigStore(configPath, { endS: END_S, days: 7 });
    const store = await openEmbeddedStore(join(dir, 'h.db'));
    try {
      expect(await store.countJobs({ source: 'slurm:lab' })).toBe(first);
    } finally {
      await store.close();
    }
  });

  it('refuses an option out of range, naming it', () => {
    expect(() => dailyGpuBurstScenario({ cluster: 'lab', endS: END_S, burstHourUtc: 24 })).toThrow(
      /burstHourUtc/,
    );
  });
});
