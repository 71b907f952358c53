import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a recorded Slurm 22.05 output from test/fixtures/slurm-22.05. */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/slurm-22.05/${name}`, import.meta.url)), 'utf8');
}
