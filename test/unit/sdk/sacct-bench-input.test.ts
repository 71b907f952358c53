import { describe, expect, it } from 'vitest';
import { JobRecordSchema } from '../../../sdk/index.js';
import { parseSacct } from '../../../sdk/parse/sacct.js';
import { syntheticSacct } from '../../bench/sacct-input.js';

// The parser's speed is measured by test/bench/sacct.bench.ts (docs/benchmarks.md); this checks
// that the benchmark's input parses to the right records, so the figure is for correct work.
describe('sacct -P parser on the benchmark input', () => {
  const jobs = parseSacct(syntheticSacct(3000));

  it('returns one record per job, in order, with the batch step folded in', () => {
    expect(jobs).toHaveLength(3000);
    expect(jobs.map((j) => j.id.raw)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    const first = jobs[0];
    expect(first).toMatchObject({
      id: { raw: 1, display: '1', arrayJobId: null, arrayTaskId: null },
      name: 'job1',
      user: 'u1',
      account: 'research',
      partition: 'cpu',
      qos: 'normal',
      state: 'COMPLETED',
      exitCode: 0,
      exitSignal: 0,
      submitEpochS: 1_795_603_728,
      startEpochS: 1_795_603_729,
      timeLimitMin: 60,
      elapsedS: 6,
      nodes: 'c1',
      reservation: null,
      comment: null,
      constraints: null,
      // MaxRSS 4001K from the batch step; TotalCPU from the step, not the job row.
      maxRssBytes: 4001 * 1024,
      totalCpuS: 0.769,
    });
    expect(first?.allocTres).toEqual({
      cpu: 2,
      memMiB: 256,
      nodeCount: 1,
      billing: 1,
      gpuCount: null,
      gpuByType: {},
      other: {},
    });
  });

  it('reads GPUs by type, array ids, "CANCELLED by <uid>", non-zero exit codes and constraints', () => {
    expect(jobs[2]?.allocTres).toMatchObject({ gpuCount: 2, gpuByType: { a100: 2 } });
    expect(jobs[2]?.partition).toBe('gpu');
    expect(jobs[6]?.id).toEqual({
      raw: 7,
      display: '6_7',
      arrayJobId: 6,
      arrayTaskId: 7,
      hetJobId: null,
      hetJobOffset: null,
    });
    expect(jobs[10]?.state).toBe('CANCELLED');
    expect(jobs[16]).toMatchObject({ exitCode: 1, exitSignal: 0 });
    expect(jobs[4]?.constraints).toBe('bigmem');
  });

  it('gives records that all pass the model schema', () => {
    for (const job of jobs) expect(JobRecordSchema.safeParse(job).success).toBe(true);
  });
});
