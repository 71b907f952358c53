/**
 * A regularly spaced time series for one pool. `values[name][i]` covers the bucket
 * [startS + i·stepS, startS + (i+1)·stepS). Times are UTC Unix seconds; `timeZone` is the IANA zone
 * of the cluster or log, used only for local calendar features (hour of day, weekday, DST).
 */
export interface PoolSeries {
  pool: string;
  stepS: number;
  startS: number;
  timeZone: string;
  values: Record<string, Float64Array>;
}

/** Series names every builder produces; GPU and memory ones only where the source has them. */
export const SeriesNames = [
  'demand_cpu',
  'running_cpu',
  'pending_cpu',
  'arrivals',
  'demand_gpu',
  'running_gpu',
  'pending_gpu',
  'demand_mem_mib',
  'running_mem_mib',
  'pending_mem_mib',
  'demand_nodes',
] as const;
export type SeriesName = (typeof SeriesNames)[number];
