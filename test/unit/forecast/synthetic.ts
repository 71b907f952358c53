import { seededRng } from '../../../src/shared/rng.js';
import type { SeriesInput } from '../../../src/forecast/types.js';

/** Monday 2024-01-01 00:00 UTC: whole weeks from here keep UTC and hour-of-week aligned. */
export const MONDAY_UTC_S = 1_704_067_200;

export function series(values: ArrayLike<number>, timeZone = 'UTC', startS = MONDAY_UTC_S): SeriesInput {
  return { values, stepS: 3600, startS, timeZone };
}

export function gaussian(seed: number): () => number {
  const rng = seededRng(seed);
  return () => {
    const u = Math.max(1e-12, rng.next());
    const v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** 100 + 30·sin(2πt/24): a pure daily sine. */
export function sine(hours: number): Float64Array {
  return Float64Array.from({ length: hours }, (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / 24));
}

/** Weekdays busy in working hours, weekends quiet, plus N(0, sd²) noise. */
export function weekly(hours: number, sd: number, seed = 7): Float64Array {
  const noise = gaussian(seed);
  return Float64Array.from({ length: hours }, (_, t) => {
    const hour = t % 24;
    const day = Math.floor(t / 24) % 7;
    const base = day >= 5 ? 40 : hour >= 8 && hour < 18 ? 120 : 70;
    return base + sd * noise();
  });
}

/** Weekly pattern whose level jumps by `jump` at hour `at`. */
export function step(hours: number, at: number, jump: number): Float64Array {
  const w = weekly(hours, 0);
  return w.map((v, t) => (t >= at ? v + jump : v));
}

export function mae(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}
