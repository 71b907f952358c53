import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const pods = 'test/fixtures/alibaba/pods.csv';
const nodes = 'test/fixtures/alibaba/nodes.csv';

interface PoolRow {
  pool: string;
  nodes: number | null;
  gpus_per_node: number;
  jobs: number;
}

describe('simulate --store on an imported GPU trace', () => {
  let dir: string | undefined;
  let storePath: string;
  const simulate = (...extra: string[]): ReturnType<typeof runCli> =>
    runCli(['simulate', '--store', storePath, '--policy', 'reactive', ...extra]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-cli-inventory-'));
    storePath = join(dir, 'history.db');
    const configPath = join(dir, 'config.yaml');
    await writeFile(configPath, `store:\n  path: ${storePath}\n  spoolDir: ${join(dir, 'spool')}\n`);
    const imported = await runCli([
      ...['--config', configPath, '--json', 'import', '--alibaba-gpu', pods],
      ...['--nodes', nodes, '--start', '2023-01-01T00:00:00Z'],
    ]);
    // Exit 3: the fixture has one malformed row, skipped and listed.
    expect(imported.code, imported.stderr).toBe(3);
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('replays the GPU pods on the stored node inventory, pool by pool, with no size options', async () => {
    const result = await simulate('--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      jobs: number;
      rejected: number;
      machine: { from: string; inventory: string; at: string };
      pools: PoolRow[];
    };
    expect(report).toMatchObject({ jobs: 3, rejected: 0 });
    expect(report.machine).toEqual({
      from: 'inventory',
      inventory: 'alibaba:pods',
      at: '2023-01-01T00:00:00Z',
      nodes_in_several_partitions: 0,
    });
    expect(report.pools.map((p) => [p.pool, p.nodes, p.gpus_per_node, p.jobs])).toEqual([
      ['default/t4', 2, 2, 2],
      ['default', 1, 0, 0],
      ['default/v100m32', 1, 8, 1],
    ]);
    const table = await simulate();
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^rejected\s+0\s*$/m);
    expect(table.stdout).toMatch(/^default\/v100m32\s+1\s+96\s+768\s+8\s+1\s/m);
  });

  it('replays on a one-pool CPU machine when --nodes and --cpus-per-node say so, rejecting the GPU pods', async () => {
    const result = await simulate('--json', '--nodes', '4', '--cpus-per-node', '96');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ jobs: 0, rejected: 3, machine: { from: 'size' } });
  });

  it('refuses an --inventory file that does not exist, naming it (exit 2)', async () => {
    const missing = join(dir ?? tmpdir(), 'no-such-nodes.csv');
    const result = await simulate('--inventory', missing);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--inventory: cannot read ${missing}`);
  });

  it('refuses an --inventory that lists no nodes (exit 2)', async () => {
    const empty = join(dir ?? tmpdir(), 'empty-nodes.csv');
    await writeFile(empty, 'sn,cpu_milli,memory_mib,gpu,model\n');
    const result = await simulate('--inventory', empty);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`from ${empty}: it lists no nodes`);
  });
});
