import { defineModel, weekProfileAt, type SpecModel } from '../base.js';

/** How `profileLevel` moves the multi-week profile to the recent level. */
export const LevelModes = ['additive', 'multiplicative'] as const;
export type LevelMode = (typeof LevelModes)[number];

export interface ProfileLevelOptions {
  /** Weeks averaged into the same-hour profile; default 4. */
  weeks?: number;
  /** `additive` (default) shifts the profile; `multiplicative` scales it. */
  mode?: LevelMode;
  /** Steps over which the recent level is measured; default three days. */
  windowSteps?: number;
  /** Share of the measured level gap carried into the forecast, in [0, 1]; default 0.5. */
  damping?: number;
}

/** Bounds on the multiplicative level factor, so one odd week cannot scale the profile without limit. */
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 5;

/**
 * Level-adjusted profile ("profile-level"): the multi-week same-hour mean, moved to the recent level.
 * A mean over the previous `weeks` weeks is centred (weeks + 1) / 2 weeks in the past, so on a growing
 * or shrinking series it lags by that much. The same lag shows in-sample: over the last `windowSteps`
 * steps, actual values ran above (or below) the profile those hours had. Shifting (or scaling) the
 * forecast profile by that gap (or ratio) cancels the lag exactly for a linear (additive) or
 * exponential (multiplicative) trend when undamped, and changes little on a stationary series, where
 * the gap is close to 0. The default carries half of the gap (`damping` 0.5): undamped, every burst
 * of the last days would be carried a week ahead. The in-sample profile of each past hour uses only
 * the weeks before it, so nothing at or after the origin is read.
 *
 * @example
 * ```ts
 * const f = profileLevel({ damping: 1 }).fit(series).predict({ horizon: 168, levels: [0.1, 0.9] });
 * ```
 */
export function profileLevel(options: ProfileLevelOptions = {}): SpecModel {
  const weeks = options.weeks ?? 4;
  const mode = options.mode ?? 'additive';
  const damping = Math.min(1, Math.max(0, options.damping ?? 0.5));
  const suffix = mode === 'multiplicative' ? '-mul' : '';
  return defineModel({
    name: weeks === 4 ? `profile-level${suffix}` : `profile-level${suffix}-${weeks}w`,
    minHistory: (ctx) => 2 * ctx.calendar(1).slotsPerWeek,
    train: (_history, ctx) => ({
      forecast(h: Float64Array, horizon: number): Float64Array {
        const m = h.length;
        const c = ctx.calendar(m + horizon);
        const window = Math.min(m, options.windowSteps ?? 3 * c.slotsPerDay);
        let actual = 0;
        let profile = 0;
        for (let t = m - window; t < m; t++) {
          actual += h[t] ?? 0;
          profile += weekProfileAt(h, c, t, weeks, t);
        }
        let factor = 1;
        let shift = 0;
        if (mode === 'additive') shift = (damping * (actual - profile)) / Math.max(1, window);
        else if (profile > 0 && actual > 0)
          factor = Math.pow(Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, actual / profile)), damping);
        const out = new Float64Array(horizon);
        for (let k = 0; k < horizon; k++) out[k] = weekProfileAt(h, c, m + k, weeks, m) * factor + shift;
        return out;
      },
    }),
  });
}
