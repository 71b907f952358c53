import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli.js';

describe('slurmcast CLI', () => {
  it('prints help listing the global options', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--config');
  });

  it('exits 2 with a usage hint when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--help');
  });

  it('exits 2 when a command argument check fails, and does not run the command', async () => {
    const result = await runCli(['simulate', '--policy', 'reactive']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--synthetic');
    expect(result.stdout).toBe('');
  });

  it('exits with the code a command sets itself: doctor exits 1 when a check fails', async () => {
    // No Slurm program can be found on an empty PATH, so every local check fails.
    const emptyDir = mkdtempSync(join(tmpdir(), 'slurmcast-empty-path-'));
    try {
      const result = await runCli(['--json', 'doctor'], { env: { PATH: emptyDir } });
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ transport: 'local', ok: false });
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('ends quietly with exit 0 when the reader of its output stops early (`| head`)', async () => {
    const run = startCli([
      '--json',
      'series',
      '--swf',
      'test/fixtures/swf/hand-20.swf',
      '--pool',
      'batch',
      '--step',
      '1s',
    ]);
    // Over a megabyte of JSON: far more than a pipe holds, so the CLI is still writing when the reader leaves.
    run.child.stdout?.once('data', () => run.child.stdout?.destroy());
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('exits 2 and names the key when the config file is wrong', async () => {
    const result = await runCli(['--config', 'test/fixtures/config/misspelt.yaml', 'doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('slurm.tranport');
  });
});
