/** Small numeric helpers shared by the models. Pure; no allocation beyond what is returned. */
import { quantileSorted } from '../shared/quantile.js';

export function mean(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  let s = 0;
  let c = 0;
  for (let i = Math.max(0, from); i < Math.min(to, xs.length); i++) {
    const v = xs[i] ?? Number.NaN;
    if (Number.isFinite(v)) {
      s += v;
      c++;
    }
  }
  return c === 0 ? Number.NaN : s / c;
}

export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return quantileSorted(s, 0.5);
}

/** Pinball (quantile) loss of `pred` for `actual` at `level`. */
export function pinball(actual: number, pred: number, level: number): number {
  const d = actual - pred;
  return d >= 0 ? level * d : (level - 1) * d;
}

/**
 * Minimises `f` with the Nelder–Mead simplex method. Deterministic; stops after `maxEvals` evaluations
 * or when the simplex values agree to `tol`.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: { step?: number; maxEvals?: number; tol?: number } = {},
): { x: number[]; value: number; evals: number } {
  const step = options.step ?? 0.5;
  const maxEvals = options.maxEvals ?? 400;
  const tol = options.tol ?? 1e-9;
  const d = x0.length;
  let evals = 0;
  const ev = (x: number[]): number => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const simplex: { x: number[]; v: number }[] = [{ x: [...x0], v: ev([...x0]) }];
  for (let k = 0; k < d; k++) {
    const x = [...x0];
    x[k] = (x[k] ?? 0) + step;
    simplex.push({ x, v: ev(x) });
  }
  const at = (k: number): { x: number[]; v: number } => simplex[k] as { x: number[]; v: number };
  while (evals < maxEvals) {
    simplex.sort((a, b) => a.v - b.v);
    const best = at(0);
    const worst = at(d);
    if (Math.abs(worst.v - best.v) <= tol * (Math.abs(best.v) + tol)) break;
    const centroid = new Array<number>(d).fill(0);
    for (let k = 0; k < d; k++)
      for (let j = 0; j < d; j++) centroid[j] = (centroid[j] ?? 0) + (at(k).x[j] ?? 0) / d;
    const towards = (t: number): number[] => centroid.map((c, j) => c + t * ((worst.x[j] ?? 0) - c));
    const xr = towards(-1);
    const vr = ev(xr);
    if (vr < best.v) {
      const xe = towards(-2);
      const ve = ev(xe);
      simplex[d] = ve < vr ? { x: xe, v: ve } : { x: xr, v: vr };
    } else if (vr < at(d - 1).v) {
      simplex[d] = { x: xr, v: vr };
    } else {
      const xc = vr < worst.v ? towards(-0.5) : towards(0.5);
      const vc = ev(xc);
      if (vc < Math.min(vr, worst.v)) {
        simplex[d] = { x: xc, v: vc };
      } else {
        for (let k = 1; k <= d; k++) {
          const x = at(k).x.map((v, j) => (best.x[j] ?? 0) + 0.5 * (v - (best.x[j] ?? 0)));
          simplex[k] = { x, v: ev(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: at(0).x, value: at(0).v, evals };
}

export const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
export const logit = (p: number): number => Math.log(p / (1 - p));
