import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const malformed = resolve('test/fixtures/swf/malformed.swf');
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempConfig(): { dir: string; config: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-log-cli-'));
  temps.push(dir);
  const store = join(dir, 'history.db');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `store:\n  path: ${store}\n  spoolDir: ${join(dir, 'spool')}\n`);
  return { dir, config, store };
}

describe('the log of `slurmcast import`', () => {
  it('warns on stderr, as one JSON line, about the lines it skipped; stdout stays the result', async () => {
    const { config } = tempConfig();
    const result = await runCli(['--config', config, '--json', 'import', '--swf', malformed]);
    expect(result.code, result.stderr).toBe(3); // partly done: lines were skipped
    const imported = JSON.parse(result.stdout) as { skipped: number };
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'import: malformed lines skipped', skipped: imported.skipped }),
    );
  });

  it('exits 2, naming the variable, for an unknown $SLURMCAST_LOG_LEVEL, and creates no store', async () => {
    const { config, store } = tempConfig();
    const result = await runCli(['--config', config, 'import', '--swf', malformed], {
      env: { SLURMCAST_LOG_LEVEL: 'loud' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLURMCAST_LOG_LEVEL');
    expect(existsSync(store)).toBe(false);
  });
});
