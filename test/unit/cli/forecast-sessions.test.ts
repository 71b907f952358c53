import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_704_067_200; // Monday 2024-01-01 00:00 UTC
/** Ten weeks of one user submitting every weekday at 09:10, and another user once. */
function writeLog(): string {
  const lines = ['; UnixStartTime: 1704067200', '; TimeZoneString: UTC', '; MaxNodes: 8', '; MaxProcs: 8'];
  let id = 0;
  for (let d = 0; d < 70; d++) {
    if (d % 7 >= 5) continue;
    const submit = d * 86_400 + 9 * 3600 + 600;
    lines.push(`${++id} ${submit} 0 600 1 -1 -1 1 3600 -1 1 7 1 -1 1 1 -1 -1`);
  }
  lines.push(`${id + 1} ${69 * 86_400} 0 600 1 -1 -1 1 3600 -1 1 8 1 -1 1 1 -1 -1`);
  const path = join(dir, 'regular.swf');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('slurmcast forecast-sessions', () => {
  it('forecasts the regular user, confident enough to act on, and leaves the one-off out', async () => {
    const path = writeLog();
    const until = new Date((T0 + 70 * 86_400 + 8 * 3600) * 1000).toISOString();
    const r = await runCli(['forecast-sessions', '--swf', path, '--until', until, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const forecasts = JSON.parse(r.stdout) as {
      entity: string;
      actionable: boolean;
      probabilities: number[];
    }[];
    expect(forecasts).toHaveLength(1);
    expect(forecasts[0]?.actionable).toBe(true);
    expect(forecasts[0]?.probabilities[1]).toBeGreaterThan(0.6);
    const table = await runCli(['forecast-sessions', '--swf', path, '--until', until]);
    expect(table.stdout).toMatch(/1 users forecast .* 1 confident enough to act on/);
    expect(table.stdout).toMatch(/confidence: Brier skill/);
  });

  it('refuses an unknown --by and an out-of-range window with exit 2, naming them', async () => {
    const path = writeLog();
    const bad = await runCli([
      'forecast-sessions',
      '--swf',
      path,
      '--until',
      '2024-03-01T00:00:00Z',
      '--by',
      'group',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--by must be one of user, account, task-type/);
    const window = await runCli([
      'forecast-sessions',
      '--swf',
      path,
      '--until',
      '2024-03-01T00:00:00Z',
      '--window',
      '10',
    ]);
    expect(window.code).toBe(2);
    expect(window.stderr).toMatch(/sessionWindowS|--window/);
  });
});
