import type { SpecModel } from './base.js';
import { UnknownModelError } from './errors.js';
import { ensemble } from './models/ensemble.js';
import { forest } from './models/forest.js';
import { holtWinters } from './models/holt-winters.js';
import { lstm, type LstmOptions } from './models/lstm.js';
import { multiWeekMean, multiWeekMedian, seasonalNaive } from './models/naive.js';
import { profileAr } from './models/profile-ar.js';
import { profileLevel } from './models/profile-level.js';

import { ModelNames, type ModelName } from './model-names.js';

export { ModelNames, type ModelName } from './model-names.js';

/**
 * The candidates tried when none are named. The forest (ml-random-forest trains ~0.3 s per fit) and
 * the LSTM (seconds per fit) are left out so that a thousand series fit in a minute; name them to try them.
 */
export const DefaultModels: readonly ModelName[] = [
  'snaive-daily',
  'snaive-weekly',
  'mean-4w',
  'median-8w',
  'holt-winters',
  'profile-ar',
  'profile-ar-median',
  'profile-level',
  'ensemble',
];

/** Members of the `ensemble` model. */
export const EnsembleMembers: readonly ModelName[] = ['profile-ar', 'holt-winters', 'profile-level'];

export interface ModelFactoryOptions {
  seed: number;
  lstm: Omit<LstmOptions, 'seed'>;
}

/**
 * Builds a model by name.
 *
 * @throws UnknownModelError if `name` is not one of `ModelNames`.
 */
export function createModel(name: string, options: ModelFactoryOptions): SpecModel {
  switch (name) {
    case 'snaive-daily':
      return seasonalNaive({ season: 'day' });
    case 'snaive-weekly':
      return seasonalNaive({ season: 'week' });
    case 'mean-4w':
      return multiWeekMean({ weeks: 4 });
    case 'median-8w':
      return multiWeekMedian({ weeks: 8 });
    case 'holt-winters':
      return holtWinters();
    case 'profile-ar':
      return profileAr();
    case 'profile-ar-median':
      return profileAr({ statistic: 'median' });
    case 'profile-level':
      return profileLevel();
    case 'forest':
      return forest({ seed: options.seed });
    case 'lstm':
      return lstm({ ...options.lstm, seed: options.seed });
    case 'ensemble':
      return ensemble(EnsembleMembers.map((m) => createModel(m, options)));
    default:
      throw new UnknownModelError(name, ModelNames);
  }
}
