import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-cli-config-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a broken config on the command line', () => {
  it('exits 2 naming the line and key, and prints none of the secret on that line', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJjbGkifQ.c2lnbmF0dXJlLWNsaQ';
    const config = join(dir, 'broken.yaml');
    writeFileSync(config, `slurm:\n  env:\n    SLURM_JWT: ${jwt}: oops\n    SHORT: "k9\n`);
    const result = await runCli(['--config', config, 'doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 3, column \d+, in slurm\.env\.SLURM_JWT/);
    expect(result.stderr + result.stdout).not.toContain(jwt.split('.')[2]);
    expect(result.stderr + result.stdout).not.toContain('oops');
  }, 30_000);
});
