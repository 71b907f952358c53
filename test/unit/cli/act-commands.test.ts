import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slurmcast-act-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('slurmcast apply and revert: bad input is exit 2 and nothing is done', () => {
  it('a plan file that is not a plan names the wrong fields', async () => {
    const file = join(dir, 'plan.json');
    writeFileSync(
      file,
      JSON.stringify({ createdAtS: 1, horizonEndS: 2, actions: [{ kind: 'reservation' }] }),
    );
    const r = await runCli(['apply', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: is not a plan: actions.0.id`);
  });

  it('a plan file that is missing or not JSON says so', async () => {
    expect((await runCli(['apply', join(dir, 'none.json')])).stderr).toContain('cannot be read (ENOENT)');
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{');
    const r = await runCli(['apply', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not JSON');
  });

  it('revert needs exactly one of an action id or --all-owned', async () => {
    for (const args of [['revert'], ['revert', 'res:x', '--all-owned']]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('give exactly one of an action id or --all-owned');
    }
  });
});
