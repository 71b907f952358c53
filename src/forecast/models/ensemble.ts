import { defineModel, type SpecModel } from '../base.js';
import { InvalidForecastOptionsError } from '../errors.js';

/**
 * The equal-weight mean of member models' point forecasts. Each member is trained on the same history;
 * the ensemble needs as much history as its most demanding member.
 *
 * @throws InvalidForecastOptionsError if `members` is empty.
 */
export function ensemble(members: readonly SpecModel[], options: { name?: string } = {}): SpecModel {
  if (members.length === 0)
    throw new InvalidForecastOptionsError('members', 'an ensemble needs at least one model');
  return defineModel({
    name: options.name ?? 'ensemble',
    minHistory: (ctx) => Math.max(...members.map((m) => m.spec.minHistory(ctx))),
    train(history, ctx) {
      const trained = members.map((m) => m.spec.train(history, ctx));
      return {
        forecast(h: Float64Array, horizon: number): Float64Array {
          const out = new Float64Array(horizon);
          for (const t of trained) {
            const f = t.forecast(h, horizon);
            for (let k = 0; k < horizon; k++) out[k] = (out[k] ?? 0) + (f[k] ?? 0) / trained.length;
          }
          return out;
        },
      };
    },
  });
}
