/**
 * Every model `forecastSeries` can select by name. Kept apart from the registry, which loads every
 * model (ml-random-forest, tfjs), so that the CLI can list the names without loading the models.
 */
export const ModelNames = [
  'snaive-daily',
  'snaive-weekly',
  'mean-4w',
  'median-8w',
  'holt-winters',
  'profile-ar',
  'profile-ar-median',
  'profile-level',
  'forest',
  'lstm',
  'ensemble',
] as const;
export type ModelName = (typeof ModelNames)[number];
