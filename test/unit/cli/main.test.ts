import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

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

  it('exits 2 and names the key when the config file is wrong', async () => {
    const result = await runCli(['--config', 'test/fixtures/config/misspelt.yaml', 'doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('slurm.tranport');
  });
});
