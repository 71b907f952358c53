import type { RestMapping } from './mapping.js';
import { restV0038 } from './v0_0_38-mapping.js';

/**
 * Every slurmrestd API version the SDK speaks. Supporting v0.0.39–v0.0.41 means adding one mapping
 * object each (paths and response parsers) and listing it here; commands do not change.
 */
export const REST_MAPPINGS: Readonly<Record<string, RestMapping>> = {
  [restV0038.version]: restV0038,
};

export const SUPPORTED_REST_VERSIONS: readonly string[] = Object.keys(REST_MAPPINGS);

/** Finds the versions a server offers in its OpenAPI document (`/slurm/vX/…` paths). */
export function versionsInOpenApi(spec: unknown): string[] {
  const found = new Set<string>();
  const paths = spec !== null && typeof spec === 'object' ? (spec as { paths?: unknown }).paths : undefined;
  if (paths !== null && typeof paths === 'object') {
    for (const path of Object.keys(paths)) {
      const m = /^\/slurm(?:db)?\/(v\d+\.\d+\.\d+)\//.exec(path);
      if (m?.[1] !== undefined) found.add(m[1]);
    }
  }
  return [...found].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
