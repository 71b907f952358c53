import type * as Tf from '@tensorflow/tfjs';
import type { Calendar } from '../calendar.js';
import { defineModel, weekProfileAt, type SpecModel } from '../base.js';
import { LstmBackendNotReadyError } from '../errors.js';
import { seededRng, type Rng } from '../../shared/rng.js';
import { profileSeries } from './profile-ar.js';

let tf: typeof Tf | undefined;

/**
 * Loads tfjs and switches it to the wasm backend (tfjs-node cannot be installed here, and the pure-JS
 * cpu backend is several times slower). Loading is asynchronous, fitting is not: call this once before
 * fitting an `lstm()` model. Idempotent.
 *
 * @throws LstmBackendNotReadyError if the wasm backend cannot be initialised.
 */
export async function prepareLstmBackend(): Promise<void> {
  if (tf !== undefined) return;
  try {
    const lib = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    const ok = await lib.setBackend('wasm');
    await lib.ready();
    if (!ok || lib.getBackend() !== 'wasm') throw new Error(`backend is ${lib.getBackend()}`);
    tf = lib;
  } catch (cause) {
    throw new LstmBackendNotReadyError({ cause });
  }
}

export interface LstmOptions {
  seed?: number;
  weeks?: number;
  /** Input window in steps (default one day). */
  windowSteps?: number;
  /** Steps predicted at once (default one week); later steps fall back to the seasonal profile. */
  outputSteps?: number;
  units?: number;
  epochs?: number;
  batchSize?: number;
  maxSamples?: number;
  learningRate?: number;
  /** Training stops after this much time as measured by `nowMs` (checked between batches). */
  budgetMs?: number;
  /** Time source for the budget; without it only `epochs` bounds training. Inject, never read a clock here. */
  nowMs?: () => number;
}

function inputRow(resid: Float64Array, cal: Calendar, t: number, scale: number): number[] {
  const angle = (2 * Math.PI * (cal.slotOfDay[t] ?? 0)) / cal.slotsPerDay;
  const wangle = (2 * Math.PI * (cal.slotOfWeek[t] ?? 0)) / cal.slotsPerWeek;
  return [(resid[t] ?? 0) / scale, Math.sin(angle), Math.cos(angle), Math.sin(wangle), Math.cos(wangle)];
}

function shuffled(count: number, rng: Rng): number[] {
  const idx = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const a = idx[i] ?? 0;
    idx[i] = idx[j] ?? 0;
    idx[j] = a;
  }
  return idx;
}

/**
 * LSTM (tfjs, wasm backend) that reads the last `windowSteps` residuals from the multi-week same-hour
 * mean, with local hour/week phase, and outputs the next `outputSteps` residuals at once. Weights are
 * initialised from `seed` and batches shuffled by a seeded Rng, so two fits with the same seed and the
 * same number of completed epochs give identical forecasts. Training stops at `epochs` or when the
 * injected clock says `budgetMs` has passed, whichever comes first.
 *
 * @throws LstmBackendNotReadyError (from fit) if `prepareLstmBackend()` has not completed.
 */
export function lstm(options: LstmOptions = {}): SpecModel {
  const seed = options.seed ?? 1;
  const weeks = options.weeks ?? 4;
  const features = 5;
  return defineModel({
    name: 'lstm',
    minHistory: (ctx) => 2 * ctx.calendar(1).slotsPerWeek,
    train(history, ctx) {
      const lib = tf;
      if (lib === undefined) throw new LstmBackendNotReadyError();
      const n = history.length;
      const cal = ctx.calendar(n);
      const windowSteps = options.windowSteps ?? cal.slotsPerDay;
      const outputSteps = Math.max(
        1,
        Math.min(options.outputSteps ?? cal.slotsPerWeek, n - windowSteps - cal.slotsPerWeek),
      );
      const prof = profileSeries(history, cal, weeks);
      const resid = new Float64Array(n);
      let sq = 0;
      for (let t = 0; t < n; t++) {
        resid[t] = (history[t] ?? 0) - (prof[t] ?? 0);
        sq += (resid[t] ?? 0) ** 2;
      }
      const scale = Math.sqrt(sq / n) + 1e-9;
      const first = cal.slotsPerWeek + windowSteps;
      const last = n - outputSteps;
      const maxSamples = options.maxSamples ?? 384;
      const stride = Math.max(1, Math.ceil((last - first + 1) / maxSamples));
      const xs: number[][][] = [];
      const ys: number[][] = [];
      for (let o = last; o >= first; o -= stride) {
        const x: number[][] = [];
        for (let t = o - windowSteps; t < o; t++) x.push(inputRow(resid, cal, t, scale));
        xs.push(x);
        ys.push(Array.from(resid.subarray(o, o + outputSteps), (v) => v / scale));
      }
      const rng = seededRng(seed);
      const seedOf = (): number => Math.floor(rng.next() * 2 ** 31);
      const model = lib.sequential();
      model.add(
        lib.layers.lstm({
          units: options.units ?? 16,
          inputShape: [windowSteps, features],
          kernelInitializer: lib.initializers.glorotUniform({ seed: seedOf() }),
          recurrentInitializer: lib.initializers.glorotUniform({ seed: seedOf() }),
        }),
      );
      model.add(
        lib.layers.dense({
          units: outputSteps,
          kernelInitializer: lib.initializers.glorotUniform({ seed: seedOf() }),
        }),
      );
      const optimizer = lib.train.adam(options.learningRate ?? 0.01);
      const batchSize = options.batchSize ?? 32;
      const epochs = options.epochs ?? 20;
      const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
      const nowMs = options.nowMs;
      const startMs = nowMs?.() ?? 0;
      let outOfTime = false;
      for (let e = 0; e < epochs && !outOfTime && xs.length > 0; e++) {
        const order = shuffled(xs.length, rng);
        for (let b = 0; b < order.length; b += batchSize) {
          const batch = order.slice(b, b + batchSize);
          lib.tidy(() => {
            const x = lib.tensor3d(batch.map((k) => xs[k] ?? []));
            const y = lib.tensor2d(batch.map((k) => ys[k] ?? []));
            optimizer.minimize(
              () =>
                lib.losses.meanSquaredError(y, model.apply(x, { training: true }) as Tf.Tensor) as Tf.Scalar,
            );
          });
          if (nowMs !== undefined && nowMs() - startMs >= budgetMs) {
            outOfTime = true;
            break;
          }
        }
      }
      optimizer.dispose();
      return {
        forecast(h: Float64Array, horizon: number): Float64Array {
          const m = h.length;
          const c = ctx.calendar(m + horizon);
          const r = new Float64Array(m);
          for (let t = Math.max(0, m - windowSteps); t < m; t++)
            r[t] = (h[t] ?? 0) - weekProfileAt(h, c, t, weeks, t);
          const x: number[][] = [];
          for (let t = m - windowSteps; t < m; t++)
            x.push(t >= 0 ? inputRow(r, c, t, scale) : new Array<number>(features).fill(0));
          const out = lib.tidy(() => (model.predict(lib.tensor3d([x])) as Tf.Tensor).dataSync());
          const res = new Float64Array(horizon);
          for (let k = 0; k < horizon; k++) {
            res[k] = weekProfileAt(h, c, m + k, weeks, m) + (k < outputSteps ? (out[k] ?? 0) * scale : 0);
          }
          return res;
        },
      };
    },
  });
}
