import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli } from './cli.js';
import { tracePath } from '../../traces.js';

const mainPath = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
// The published logs, read in place; a missing one fails the test.
const curie = tracePath('CEA-Curie-2011-2.1-cln.swf.gz');
const CURIE_JOBS = 312_826;

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-cli-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let configs = 0;
/** A config naming a store of its own; returns the config path and the store path. */
function freshConfig(): { config: string; store: string } {
  configs += 1;
  const store = join(dir, `store-${configs}`, 'history.db');
  const config = join(dir, `config-${configs}.yaml`);
  writeFileSync(config, `store:\n  path: ${store}\n  spoolDir: ${join(dir, `spool-${configs}`)}\n`);
  return { config, store };
}

/** Every row of the jobs table, staged ones included: what a reader must not see, and cleanup must remove. */
function rawRows(storePath: string): number {
  if (!existsSync(storePath)) return 0;
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'jobs'").all();
    if (tables.length === 0) return 0;
    return (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
  } catch {
    // The file is still being created by the importer.
    return 0;
  } finally {
    db.close();
  }
}

function swf(path: string, jobs: number): string {
  mkdirSync(join(path, '..'), { recursive: true });
  const lines = Array.from(
    { length: jobs },
    (_, i) => `${i + 1} ${i * 10} 10 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 -1 -1 -1`,
  );
  writeFileSync(path, ['; UnixStartTime: 1000000000', ...lines, ''].join('\n'));
  return path;
}

describe('slurmcast import', () => {
  it(
    'leaves no job of the source after kill -9 mid-import, and a retry imports exactly the log',
    { timeout: 120_000 },
    async () => {
      const { config, store } = freshConfig();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', mainPath, '--config', config, 'import', '--swf', curie],
        { stdio: 'ignore' },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      // Kill it once rows are being written (staged), well before the import can finish.
      let rows = 0;
      const deadline = Date.now() + 60_000;
      while (rows === 0 && child.exitCode === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        rows = rawRows(store);
      }
      expect(child.exitCode, 'the import ended before any row was written').toBeNull();
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(CURIE_JOBS);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const reader = openEmbeddedStore(store);
      expect(await reader.countJobs({ source: 'swf:CEA-Curie-2011-2.1-cln' })).toBe(0);
      expect(await reader.countJobs()).toBe(0);
      expect(await reader.manifests()).toEqual([]);
      await reader.close();
      // Opening the store removed the killed import's staged rows.
      expect(rawRows(store)).toBe(0);

      const retry = await runCli(['--config', config, '--json', 'import', '--swf', curie]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(JSON.parse(retry.stdout)).toMatchObject({
        outcome: 'imported',
        imported: CURIE_JOBS,
        jobsInStore: CURIE_JOBS,
      });
      expect(rawRows(store)).toBe(CURIE_JOBS);
    },
  );

  it('refuses another file with the same name (exit 2), naming both and the options that resolve it', async () => {
    const { config } = freshConfig();
    const a = swf(join(dir, 'a', 'log.swf'), 3);
    const b = swf(join(dir, 'b', 'log.swf'), 5);
    expect((await runCli(['--config', config, 'import', '--swf', a])).code).toBe(0);
    const refused = await runCli(['--config', config, 'import', '--swf', b]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/source swf:log already holds log\.swf \(sha256 [0-9a-f]{12}…\)/);
    expect(refused.stderr).toContain(`and ${b} (sha256 `);
    expect(refused.stderr).toContain('--source NAME');
    expect(refused.stderr).toContain('--replace');
    const asOther = await runCli(['--config', config, '--json', 'import', '--swf', b, '--source', 'swf:b']);
    expect(asOther.code, asOther.stderr).toBe(0);
    expect(JSON.parse(asOther.stdout)).toMatchObject({ source: 'swf:b', jobsInStore: 5 });
    const replaced = await runCli(['--config', config, '--json', 'import', '--swf', b, '--replace']);
    // The same content is already in the store (as swf:b): nothing is added, whatever --replace says.
    expect(JSON.parse(replaced.stdout)).toMatchObject({ outcome: 'unchanged', sameContentAs: 'swf:b' });
  });

  it('says that a copy of an imported log adds nothing', async () => {
    const { config } = freshConfig();
    const original = swf(join(dir, 'c', 'original.swf'), 4);
    const copy = join(dir, 'c', 'copy.swf');
    copyFileSync(original, copy);
    expect((await runCli(['--config', config, 'import', '--swf', original])).code).toBe(0);
    const again = await runCli(['--config', config, 'import', '--swf', copy]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing added: the store already holds this content as swf:original');
  });
});
