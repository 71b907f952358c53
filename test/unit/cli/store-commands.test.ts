import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const swf = 'test/fixtures/swf/hand-20.swf';

describe('reading commands over the embedded store', () => {
  let dir: string | undefined;
  let configPath: string;
  let storePath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-cli-store-'));
    storePath = join(dir, 'history.db');
    configPath = join(dir, 'config.yaml');
    await writeFile(configPath, `store:\n  path: ${storePath}\n  spoolDir: ${join(dir, 'spool')}\n`);
    const imported = await runCli(['--config', configPath, '--json', 'import', '--swf', swf]);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('gives the same series from the store (bare --store: the config names it) as from the file', async () => {
    const fromFile = await runCli(['--json', 'series', '--swf', swf, '--pool', 'batch', '--step', '1h']);
    const fromStore = await runCli([
      '--config',
      configPath,
      '--json',
      'series',
      '--store',
      '--pool',
      'batch',
      '--step',
      '1h',
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    const file = JSON.parse(fromFile.stdout) as { values: Record<string, number[]> };
    const store = JSON.parse(fromStore.stdout) as { values: Record<string, number[]> };
    expect(store.values['demand_cpu']).toEqual(file.values['demand_cpu']);
    expect(store.values['arrivals']?.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('predicts a job from the store given as a file path', async () => {
    const result = await runCli(['--json', 'predict-job', '--store', storePath, '--job', '12']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('jobId', '12');
  });

  it('simulates the stored jobs exactly as it simulates the log they came from', async () => {
    const fromFile = await runCli(['--json', 'simulate', '--swf', swf, '--policy', 'reactive']);
    const fromStore = await runCli([
      ...['--json', 'simulate', '--store', storePath, '--policy', 'reactive'],
      ...['--nodes', '8', '--cpus-per-node', '4'],
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    type Report = Record<string, unknown> & { machine: { from: string } };
    const { sim_wall_s: _a, machine: fileMachine, ...file } = JSON.parse(fromFile.stdout) as Report;
    const { sim_wall_s: _b, machine: storeMachine, ...store } = JSON.parse(fromStore.stdout) as Report;
    expect(file['jobs']).toBeGreaterThan(0);
    expect(store).toEqual(file);
    // The same one pool, sized from the header in one case and by the options in the other.
    expect([fileMachine.from, storeMachine.from]).toEqual(['swf-header', 'size']);
  });

  it('asks for the machine size when the store holds no node inventory for the jobs (an SWF log)', async () => {
    const result = await runCli(['simulate', '--store', storePath, '--policy', 'reactive']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('holds no node inventory for swf:hand-20');
    expect(result.stderr).toContain('--cpus-per-node');
  });

  it('wants both sizes of a one-pool machine, not one of them', async () => {
    const result = await runCli(['simulate', '--store', storePath, '--policy', 'reactive', '--nodes', '8']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs both --nodes N (0 = unlimited) and --cpus-per-node C');
  });

  it('refuses a store file that does not exist instead of creating an empty one', async () => {
    const missing = join(tmpdir(), `slurmcast-no-such-store-${process.pid}.db`);
    const result = await runCli(['series', '--store', missing, '--step', '1h']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no history store at ${missing}`);
  });
});
