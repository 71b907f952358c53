import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTransport, SlurmClient } from '../../../sdk/index.js';
import type { ApplyOptions } from '../../../src/act/types.js';
import { resolveConfig } from '../../../src/config/load.js';
import { createCycleDeps, cycleOptionsFromConfig, type EngineSeams } from '../../../src/engine/factory.js';
import type { Plan, PlanInput } from '../../../src/plan/plan.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { MemoryStore } from '../../../src/store/index.js';
import { inventoryOf, planOf } from './fakes.js';

const HOUR = 3_600;
/** Monday 2024-01-01 00:00 UTC. */
const START_S = 1_704_067_200;

/** Three weeks of GPU jobs on h100 nodes: every hour one 2-GPU job of research, every 4 h one 1-GPU job of teach. */
function history(): JobRecord[] {
  const jobs: JobRecord[] = [];
  for (let h = 0; h < 21 * 24; h++) {
    const submitS = START_S + h * HOUR;
    const base = {
      source: 'slurm:lab',
      name: null,
      user: 'alice',
      partition: 'gpu',
      qos: null,
      state: 'COMPLETED' as const,
      exitCode: 0,
      submitS,
      eligibleS: submitS,
      startS: submitS,
      endS: submitS + 1_800,
      timeLimitS: HOUR,
      nodeCount: 1,
      cpuCount: 4,
      memMiB: 1_024,
      gpuType: 'h100',
      features: [],
      reservation: null,
      maxRssMiB: null,
      totalCpuS: null,
    };
    jobs.push({ ...base, jobId: `r${h}`, account: 'research', gpuCount: 2 });
    if (h % 4 === 0) jobs.push({ ...base, jobId: `t${h}`, account: 'teach', gpuCount: 1 });
  }
  return jobs;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createCycleDeps', () => {
  it('forecasts a pool from the store’s jobs before the cut, with each account’s share', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-engine-factory-'));
    dirs.push(dir);
    const store = new MemoryStore();
    await store.upsertJobs(history());
    const config = resolveConfig({
      cluster: 'lab',
      act: { stateDir: join(dir, 'act') },
      engine: {
        stateDir: dir,
        pools: [{ name: 'gpu/h100' }],
        stepS: HOUR,
        horizonS: 6 * HOUR,
        refitEveryS: 6 * HOUR,
      },
    });
    const seen: string[] = [];
    const seams: EngineSeams = {
      planCapacity: (input: PlanInput): Plan => {
        seen.push(`plan ${input.forecasts.length}`);
        return planOf([], input.nowS);
      },
      inventoryFromNodes: (_nodes, nowS) => inventoryOf(nowS),
      applyPlan: (_client, plan, options: ApplyOptions) => {
        seen.push(`apply dryRun=${String(options.dryRun)} audit=${options.auditLogPath ?? ''}`);
        return Promise.resolve({
          dryRun: true,
          operations: [],
          unchanged: plan.actions.length,
          partial: false,
        });
      },
      reservationUse: (_client, window, gpuBusy) => {
        seen.push(
          `measure since=${String(window.sinceS)} gpu=${gpuBusy.map((n) => `${n.node}:${n.idleGpus} idle`).join(',')}`,
        );
        return Promise.resolve([]);
      },
    };
    const client = new SlurmClient({ transport: new FakeTransport({ protocol: 'cli' }) });
    const cutS = START_S + 21 * 24 * HOUR;
    const clock = new ManualClock((cutS + 600) * 1000);
    const deps = createCycleDeps(config, { client, store, clock, logger: silentLogger }, seams);

    const fit = await deps.forecast({
      pool: 'gpu/h100',
      series: 'demand_gpu',
      stepS: HOUR,
      cutS,
      horizonSteps: 12,
      levels: [0.1, 0.5, 0.9],
    });
    expect(fit.cutS).toBe(cutS);
    expect(fit.quantiles['0.9']).toHaveLength(12);
    // research: 2 GPUs × 30 min every hour; teach: 1 GPU × 30 min every 4 h → 8 : 1 of the demand.
    expect(fit.accounts).toEqual([
      { account: 'research', share: 0.888889 },
      { account: 'teach', share: 0.111111 },
    ]);

    deps.plan({
      nowS: cutS,
      horizonS: 6 * HOUR,
      forecasts: [],
      inventory: inventoryOf(cutS),
      accounts: [],
      costs: config.costs,
    });
    await deps.apply(planOf([]), { dryRun: false, auditLogPath: join(dir, 'audit.jsonl') });
    // The GPU use sampled since the window's start reaches the measurement; older samples do not.
    const sample = {
      source: 'slurm:lab',
      user: 'alice',
      gpuCount: 2,
      sampleCount: 4,
      meanUtilPct: 1,
      maxUtilPct: 3,
      maxMemUsedMiB: 100,
      firstSampleS: cutS - 300,
    };
    await store.upsertGpuUse([
      { ...sample, jobId: '7', node: 'g1', lastSampleS: cutS - 60 },
      { ...sample, jobId: '6', node: 'g2', lastSampleS: cutS - 7_200 },
    ]);
    await deps.measure({ sinceS: cutS - 600, nowS: cutS });
    expect(seen).toEqual([
      'plan 0',
      `apply dryRun=false audit=${join(dir, 'audit.jsonl')}`,
      `measure since=${cutS - 600} gpu=g1:2 idle`,
    ]);
    expect(cycleOptionsFromConfig(config, { dryRun: false })).toMatchObject({
      pools: [{ name: 'gpu/h100' }],
      dryRun: false,
      // One audit log for adjust, apply and revert: the actuator's.
      auditLogPath: join(dir, 'act', 'audit.jsonl'),
      params: { stepS: HOUR, horizonS: 6 * HOUR, refitEveryS: 6 * HOUR, cooldownS: 1_800 },
    });
  });
});
