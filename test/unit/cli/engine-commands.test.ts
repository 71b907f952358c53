import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

describe('slurmcast plan and adjust', () => {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-cli-engine-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('plan --help and adjust --help describe the commands and their options', async () => {
    const plan = await runCli(['plan', '--help']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/--out/);
    expect(plan.stdout).toMatch(/changes nothing/);
    const adjust = await runCli(['adjust', '--help']);
    expect(adjust.code).toBe(0);
    expect(adjust.stdout).toMatch(/--apply/);
    expect(adjust.stdout).toMatch(/Send the operations to Slurm/);
  });

  it('adjust on a bad engine config exits 2 naming the key, and does nothing', async () => {
    const root = dir ?? '';
    const stateDir = join(root, 'engine-state');
    const config = join(root, 'bad.yaml');
    await writeFile(
      config,
      `engine:\n  stateDir: ${stateDir}\n  cooldownS: -5\n  idleThreshold: 0.5\n  fullThreshold: 0.4\n  refitEvery: 60\n`,
    );
    const result = await runCli(['--config', config, 'adjust', '--apply']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/engine\.cooldownS/);
    expect(result.stderr).toMatch(/engine\.refitEvery: unknown key/);
    expect(result.stderr).toMatch(/engine\.idleThreshold/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(stateDir)).toBe(false);
  });
});
