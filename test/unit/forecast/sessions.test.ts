import { describe, expect, it } from 'vitest';
import { resolveSessionParams } from '../../../src/config/params.js';
import { forecastSessions, type SessionForecastOptions } from '../../../src/forecast/sessions.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { seededRng } from '../../../src/shared/rng.js';

const H = 3600;
const DAY = 86_400;
const T0 = 1_704_067_200; // Monday 2024-01-01 00:00 UTC
const CUT = T0 + 10 * 7 * DAY + 8 * H; // a Monday, 08:00

let ids = 0;
function job(user: string, submitS: number, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    source: 'test',
    jobId: String(++ids),
    name: 'train',
    user,
    account: 'acct',
    partition: 'gpu',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS,
    eligibleS: submitS,
    startS: submitS,
    endS: submitS + 600,
    timeLimitS: 3600,
    nodeCount: 1,
    cpuCount: 8,
    memMiB: 0,
    gpuCount: 2,
    gpuType: 'a100',
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
    ...extra,
  };
}

const options = (o: Partial<SessionForecastOptions> = {}): SessionForecastOptions => ({
  by: 'user',
  cutS: CUT,
  timeZone: 'UTC',
  ...resolveSessionParams({}),
  ...o,
});

/** Every weekday of the ten weeks before the cut, at 09:10. */
const regular = (user: string): JobRecord[] =>
  Array.from({ length: 70 }, (_, d) => d)
    .filter((d) => d % 7 < 5)
    .map((d) => job(user, T0 + d * DAY + 9 * H + 600));

describe('forecastSessions', () => {
  it('learns a user’s hour of the week, and is confident about it', () => {
    const [f] = forecastSessions(regular('alice'), options());
    expect(f?.entity).toBe('alice');
    // Window 0 is 08:00–09:00, window 1 is 09:00–10:00 on a Monday.
    expect(f?.probabilities[0]).toBeLessThan(0.1);
    expect(f?.probabilities[1]).toBeGreaterThan(0.6);
    expect(f?.probabilities[1] ?? 0).toBeGreaterThan(10 * (f?.probabilities[0] ?? 1));
    expect(f?.confidence).toBeGreaterThan(0.5);
    expect(f?.actionable).toBe(true);
    expect(f?.typical).toEqual({ jobs: 1, cpus: 8, gpus: 2, nodes: 1, gpuType: 'a100', partition: 'gpu' });
  });

  it('does not act on a user whose submissions follow no pattern', () => {
    const rng = seededRng(5);
    const jobs = Array.from({ length: 300 }, () => job('bob', CUT - Math.floor(rng.next() * 10 * 7 * DAY)));
    const [f] = forecastSessions(jobs, options());
    expect(f?.entity).toBe('bob');
    expect(f?.confidence).toBeLessThan(0.1);
    expect(f?.actionable).toBe(false);
  });

  it('raises the chance of the next windows right after a submission (sessions)', () => {
    // Sessions of three hours in a row on random days and hours.
    const rng = seededRng(9);
    const jobs: JobRecord[] = [];
    for (let s = 0; s < 40; s++) {
      const start = T0 + Math.floor(rng.next() * 69) * DAY + Math.floor(rng.next() * 20) * H;
      for (let k = 0; k < 3; k++) jobs.push(job('carol', start + k * H + 60));
    }
    const quiet = forecastSessions(jobs, options())[0];
    const justSubmitted = forecastSessions([...jobs, job('carol', CUT - 1200)], options())[0];
    expect(justSubmitted?.probabilities[0] ?? 0).toBeGreaterThan(3 * (quiet?.probabilities[0] ?? 1));
    expect(justSubmitted?.probabilities[0]).toBeGreaterThan(0.3);
  });

  it('reads nothing submitted at or after the cut', () => {
    const past = regular('alice');
    const future = Array.from({ length: 50 }, (_, k) => job('alice', CUT + k * 600));
    expect(forecastSessions([...past, ...future], options())).toEqual(forecastSessions(past, options()));
  });

  it('groups by account or task type, and leaves out entities seen too rarely', () => {
    const jobs = [
      ...regular('alice'),
      ...regular('dave').map((j) => ({ ...j, account: 'physics', name: 'sim' })),
      job('erin', CUT - DAY, { account: 'rare', name: 'once' }),
    ];
    expect(
      forecastSessions(jobs, options({ by: 'account' }))
        .map((f) => f.entity)
        .sort(),
    ).toEqual(['acct', 'physics']);
    expect(
      forecastSessions(jobs, options({ by: 'task-type' }))
        .map((f) => f.entity)
        .sort(),
    ).toEqual(['sim', 'train']);
    expect(forecastSessions(jobs, options()).map((f) => f.entity)).not.toContain('erin');
  });
});
