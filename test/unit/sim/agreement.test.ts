import { describe, expect, it } from 'vitest';
import {
  idleWhileWaiting,
  kendallTauB,
  overtakers,
  ranks,
  resolveAgreementOptions,
  scheduleAgreement,
  spearmanRho,
} from '../../../src/sim/agreement.js';

// Reference values from SciPy 1.17 (scipy.stats.kendalltau, which computes τ-b, and spearmanr).
describe('rank correlations', () => {
  it('gives SciPy’s Kendall τ-b on its documented example', () => {
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.4714045207910316, 12);
  });

  it('gives SciPy’s Spearman ρ on its documented example', () => {
    expect(spearmanRho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('counts ties in both samples as SciPy does', () => {
    const x = [0, 0, 3, 5, 5, 9, 12];
    const y = [1, 1, 2, 8, 6, 6, 20];
    expect(kendallTauB(x, y)).toBeCloseTo(0.8421052631578946, 12);
    expect(spearmanRho(x, y)).toBeCloseTo(0.9166666666666669, 12);
  });

  it('is 1 for the same order and −1 for the reverse, NaN for a constant sample', () => {
    expect(kendallTauB([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(kendallTauB([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearmanRho([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    expect(kendallTauB([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(spearmanRho([7], [7])).toBeNaN();
  });

  it('gives tied values the mean of the ranks they span', () => {
    expect(ranks([10, 30, 10, 20])).toEqual([1.5, 4, 1.5, 3]);
  });

  it('refuses samples of different lengths', () => {
    expect(() => kendallTauB([1, 2], [1])).toThrow(RangeError);
    expect(() => spearmanRho([1], [1, 2])).toThrow(RangeError);
  });
});

describe('overtakers', () => {
  it('marks the jobs that started before an earlier submission had started', () => {
    // Job 1 waits for the head job 0 to end; job 2 is backfilled ahead of job 1; job 3 starts with job 1.
    expect(overtakers([0, 50, 10, 50])).toEqual([false, false, true, false]);
  });

  it('finds none in a first come, first served schedule', () => {
    expect(overtakers([0, 5, 5, 9])).toEqual([false, false, false, false]);
  });

  it('takes a lead of at most the tolerance for jitter, not for backfill', () => {
    expect(overtakers([0, 50, 49, 10], 1)).toEqual([false, false, false, true]);
  });
});

describe('idleWhileWaiting', () => {
  it('counts the capacity left free while a job waited', () => {
    // Job 1 waits 10 s for job 0 (2 of 4 CPUs busy): 2 CPUs idle for 10 s.
    expect(idleWhileWaiting({ submitS: [0, 0], startS: [0, 10], runS: [10, 5], size: [2, 4] }, 4)).toBe(20);
  });

  it('is 0 when nothing waits, and counts only the time something waits', () => {
    expect(idleWhileWaiting({ submitS: [0, 20], startS: [0, 20], runS: [5, 5], size: [1, 1] }, 4)).toBe(0);
    // Job 2 waits from 2 to 6 while job 0 ends at 4: 1 CPU idle for 2 s, then 2 CPUs for 2 s.
    const s = { submitS: [0, 0, 2], startS: [0, 0, 6], runS: [4, 6, 1], size: [1, 2, 4] };
    expect(idleWhileWaiting(s, 4)).toBe(6);
  });

  it('refuses columns of different lengths', () => {
    expect(() => idleWhileWaiting({ submitS: [0], startS: [0], runS: [], size: [1] }, 1)).toThrow(RangeError);
  });
});

describe('scheduleAgreement', () => {
  const slurm = { submitS: [0, 0, 10, 20], startS: [0, 30, 12, 60] };

  it('agrees fully with itself', () => {
    const a = scheduleAgreement(slurm, slurm);
    expect(a.startKendallTau).toBe(1);
    expect(a.waitSpearman).toBeCloseTo(1, 12);
    expect(a.meanAbsWaitDiffS).toBe(0);
    expect(a.meanWaitDiffS).toBe(0);
    expect(a.startWithin.every((w) => w.share === 1)).toBe(true);
    expect(a.waited).toEqual({ both: 3, onlyReference: 0, onlyCandidate: 0, neither: 1 });
    expect(a.overtook).toEqual({ both: 1, onlyReference: 0, onlyCandidate: 0, neither: 3 });
  });

  it('measures waits, start differences and the jobs that waited on one side only', () => {
    // The simulator starts job 1 at once and job 2 at submit; job 3 five seconds late.
    const sim = { submitS: [0, 0, 10, 20], startS: [0, 0, 10, 65] };
    const a = scheduleAgreement(slurm, sim, { withinS: [0, 5, 30], waitedAboveS: 1 });
    expect(a.jobs).toBe(4);
    // Waits: Slurm 0, 30, 2, 40; simulator 0, 0, 0, 45.
    expect(a.reference.meanWaitS).toBe(18);
    expect(a.candidate.meanWaitS).toBe(11.25);
    expect(a.reference.medianWaitS).toBe(16);
    expect(a.candidate.medianWaitS).toBe(0);
    expect(a.meanWaitDiffS).toBe(-6.75);
    // |differences| 0, 30, 2, 5.
    expect(a.meanAbsWaitDiffS).toBe(9.25);
    expect(a.medianAbsWaitDiffS).toBe(3.5);
    expect(a.startWithin).toEqual([
      { withinS: 0, share: 0.25 },
      { withinS: 5, share: 0.75 },
      { withinS: 30, share: 1 },
    ]);
    expect(a.waited).toEqual({ both: 1, onlyReference: 2, onlyCandidate: 0, neither: 1 });
    expect(a.reference.overtook).toBe(1);
    expect(a.candidate.overtook).toBe(0);
    expect(a.overtook).toEqual({ both: 0, onlyReference: 1, onlyCandidate: 0, neither: 3 });
  });

  it('refuses schedules of different jobs and times that are not finite', () => {
    expect(() => scheduleAgreement(slurm, { submitS: [0], startS: [0] })).toThrow(/same jobs/);
    expect(() =>
      scheduleAgreement(slurm, { submitS: [0, 0, 10, 20], startS: [0, Number.NaN, 10, 20] }),
    ).toThrow(/finite/);
  });

  it('resolves its defaults once and refuses negative thresholds', () => {
    expect(resolveAgreementOptions()).toEqual({ withinS: [1, 5, 15, 60], waitedAboveS: 0, overtookByS: 0 });
    expect(() => resolveAgreementOptions({ overtookByS: Number.NaN })).toThrow(RangeError);
    expect(() => resolveAgreementOptions({ waitedAboveS: -1 })).toThrow(RangeError);
    expect(() => resolveAgreementOptions({ withinS: [Number.POSITIVE_INFINITY] })).toThrow(RangeError);
  });
});
