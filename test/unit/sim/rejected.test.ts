import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoTableRows, DemoHeaders, DemoLegend, type DemoResult } from '../../../src/sim/demo.js';
import { runPolicy, scenarioFromJobs, simulateReport } from '../../../src/sim/run.js';
import { onePoolCluster } from '../../../src/sim/workload.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { runCli } from '../cli/cli.js';

const DAY = 86_400;

/** A finished single-node-per-CPU job of `cpus` CPUs submitted at `submitS`. */
function job(id: number, submitS: number, cpus: number): JobRecord {
  return {
    source: 'test',
    jobId: String(id),
    name: null,
    user: 'u',
    account: null,
    partition: 'default',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS,
    eligibleS: null,
    startS: submitS,
    endS: submitS + 600,
    timeLimitS: 3600,
    nodeCount: 0,
    cpuCount: cpus,
    memMiB: 0,
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
  };
}

async function* batches(records: JobRecord[]): AsyncGenerator<JobRecord[]> {
  yield records;
}

// Ten jobs on a 4-node machine of 1 CPU per node: jobs 3, 6 and 9 ask for 8 CPUs (8 nodes).
const records = Array.from({ length: 10 }, (_, i) =>
  job(i, 1_700_000_000 + i * DAY, i % 3 === 0 && i > 0 ? 8 : 2),
);
const machine = onePoolCluster({ nodeCount: 4, cpusPerNode: 1, timeZone: 'UTC' });

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('jobs wider than the machine', () => {
  it('are counted as rejected in the simulate report, apart from the jobs simulated', async () => {
    const scenario = await scenarioFromJobs('test', batches(records), machine);
    const report = simulateReport(runPolicy(scenario, 'reactive'), 0);
    expect(report.jobs).toBe(7);
    expect(report.rejected).toBe(3);
  });

  it('are counted for the replayed days only when --days cuts the log', async () => {
    // Days 1–5 hold jobs 0–4, of which only job 3 is too wide.
    const scenario = await scenarioFromJobs('test', batches(records), machine, { days: 5 });
    const report = simulateReport(runPolicy(scenario, 'always-on'), 0);
    expect(report.jobs).toBe(4);
    expect(report.rejected).toBe(1);
  });

  it('show in `simulate --json` and in its table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-rejected-'));
    temps.push(dir);
    const path = join(dir, 'wide.swf');
    const lines = records.map(
      (r, i) =>
        `${i + 1} ${r.submitS - 1_700_000_000} 0 600 ${r.cpuCount} -1 -1 ${r.cpuCount} 3600 -1 1 1 1 -1 -1 1 -1 -1`,
    );
    writeFileSync(
      path,
      ['; UnixStartTime: 1700000000', '; MaxNodes: 4', '; MaxProcs: 4', ...lines, ''].join('\n'),
    );
    const json = await runCli(['simulate', '--swf', path, '--policy', 'always-on', '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ jobs: 7, rejected: 3 });
    const table = await runCli(['simulate', '--swf', path, '--policy', 'always-on']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^rejected\s+3\s*$/m);
  });

  it('show in the demo table, per policy', () => {
    const metrics = { jobs: 7, rejected: 3, meanWaitS: 1, p95WaitS: 1, bootWaitS: 0, boundedSlowdown: 1 };
    const result = {
      atReactiveIdle: null,
      rows: [
        {
          policy: 'reactive',
          metrics: { ...metrics, utilization: 0, poweredIdleNodeH: 0, reservedIdleGpuH: 0, boots: 0 },
          oracleShare: 0,
          idleVsReactive: 1,
          simWallS: 0,
        },
      ],
    } as unknown as DemoResult;
    const [row] = demoTableRows(result);
    expect(row?.[DemoHeaders.indexOf('rejected')]).toBe('3');
    expect(row?.[DemoHeaders.indexOf('jobs')]).toBe('7');
  });
});

describe('the demo table', () => {
  it('says, under the table, what every column means', () => {
    for (const header of DemoHeaders.filter(
      (h) => h !== 'policy' && h !== 'mean wait s' && h !== 'boot wait s',
    ))
      expect(DemoLegend.some((line) => line.includes(header.replace(' s', '')))).toBe(true);
    expect(DemoLegend.join(' ')).toMatch(/oracle.*knows every arrival/);
  });
});
