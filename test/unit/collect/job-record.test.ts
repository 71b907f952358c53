import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JobRecordLimits,
  JobRecordSchema,
  jobRecordProblem,
  type JobRecord,
} from '../../../src/shared/job-record.js';

const base: JobRecord = {
  source: 'swf:x',
  jobId: '1',
  name: null,
  user: '1',
  account: null,
  partition: 'default',
  qos: null,
  state: 'COMPLETED',
  exitCode: 0,
  submitS: 1_000_000_000,
  eligibleS: null,
  startS: 1_000_000_010,
  endS: 1_000_000_100,
  timeLimitS: 3600,
  nodeCount: 1,
  cpuCount: 4,
  memMiB: 1024,
  gpuCount: 0,
  gpuType: null,
  features: [],
  reservation: null,
  maxRssMiB: null,
  totalCpuS: null,
};

/** Numbers around every limit, and the ones that broke readers before: huge, infinite, NaN, negative. */
const edgy = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    0.5,
    Infinity,
    -Infinity,
    Number.NaN,
    4e21,
    1e300,
    ...Object.values(JobRecordLimits).flatMap((v) => [v, v + 1, v - 1]),
  ),
  fc.double({ noNaN: false }),
  fc.integer({ min: 0, max: 5_000_000_000 }),
);
const nullableEdgy = fc.option(edgy, { nil: null });

describe('JobRecordLimits', () => {
  it('gives the fast check and the zod schema the same verdict on any record', () => {
    fc.assert(
      fc.property(
        fc.record({
          submitS: edgy,
          startS: nullableEdgy,
          endS: nullableEdgy,
          eligibleS: nullableEdgy,
          timeLimitS: nullableEdgy,
          nodeCount: edgy,
          cpuCount: edgy,
          memMiB: edgy,
          gpuCount: edgy,
          maxRssMiB: nullableEdgy,
          totalCpuS: nullableEdgy,
          exitCode: nullableEdgy,
          jobId: fc.string({ minLength: 0, maxLength: 140 }),
        }),
        (fields) => {
          const record = { ...base, ...fields };
          expect(jobRecordProblem(record) === null).toBe(JobRecordSchema.safeParse(record).success);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('names what is out of range', () => {
    expect(jobRecordProblem({ ...base, submitS: Infinity })).toMatch(/^submit time Infinity is outside/);
    expect(jobRecordProblem({ ...base, cpuCount: 4e21 })).toMatch(/^CPU count 4e\+21 is outside/);
    expect(jobRecordProblem({ ...base, startS: base.submitS - 1 })).toMatch(/^start .* is before submit/);
    expect(jobRecordProblem(base)).toBeNull();
  });
});
