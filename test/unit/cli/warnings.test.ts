import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-cli-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warnings about how the CLI connects to Slurm', () => {
  it('prints "ssh host key checking is OFF" to stderr, once', async () => {
    const config = join(dir, 'insecure.yaml');
    // Port 1 has nothing listening: doctor fails fast, after the client was built.
    writeFileSync(
      config,
      'slurm:\n  transport: ssh\n  ssh:\n    host: 127.0.0.1\n    port: 1\n    username: nobody\n    insecureSkipHostKeyCheck: true\n',
    );
    const result = await runCli(['--config', config, '--json', 'doctor'], { env: { SSH_AUTH_SOCK: '' } });
    const warnings = result.stderr
      .split('\n')
      .filter((line) => line.includes('ssh host key checking is OFF'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^slurmcast: warning: INSECURE/);
    expect(result.stdout).not.toContain('host key checking is OFF');
  }, 30_000);

  it('prints no such warning when host keys are checked', async () => {
    const config = join(dir, 'checked.yaml');
    writeFileSync(
      config,
      'slurm:\n  transport: ssh\n  ssh:\n    host: 127.0.0.1\n    port: 1\n    username: nobody\n',
    );
    const result = await runCli(['--config', config, '--json', 'doctor'], { env: { SSH_AUTH_SOCK: '' } });
    expect(result.stdout).toContain('"ok": false');
    expect(result.stderr).not.toContain('host key checking');
  }, 30_000);
});
