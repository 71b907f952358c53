import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The unit project's workers get a private temporary directory, so that a test leaving a file behind
// is caught (test/unit/global-setup.ts creates it, then checks it is empty at the end). Only the unit
// workers see it: the integration lab needs directories the Slurm daemons' user can reach.
const unitTmpDir = join(tmpdir(), `slurmcast-unit-run-${process.pid}`);
process.env['SLURMCAST_UNIT_TMPDIR'] = unitTmpDir;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Fails the run when a test leaves a temporary file or directory behind.
          globalSetup: ['test/unit/global-setup.ts'],
          env: { TMPDIR: unitTmpDir },
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
