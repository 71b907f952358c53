import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ListJobHistory,
  ListNodes,
  ListPartitions,
  ListQueue,
  ListReservations,
  type JobRecord,
  type SlurmClient,
} from '../../../sdk/index.js';
import { loadLab, sbatch, waitForAccounting, waitForJobState } from '../lab.js';
import { labClients } from './clients.js';

const marker = `/tmp/sdk-pwned-${process.pid}`;
const HOSTILE_NAMES = [
  `; rm -rf /tmp/x; touch ${marker}-a`,
  `$(touch ${marker}-b)`,
  `\`touch ${marker}-c\``,
  `it's "quoted" | piped\ttabbed`,
  `new\nline ünïcødé`,
];

describe('the same SDK calls over local, ssh, REST socket and REST JWT', () => {
  const lab = loadLab();
  let clients: Record<string, SlurmClient>;
  const jobIds: number[] = [];
  const startEpochS = Math.floor(Date.now() / 1000) - 120;

  beforeAll(async () => {
    clients = labClients(lab);
    const script = '#!/bin/sh\nsleep 1\n';
    // A time limit lets the jobs start before reservations other tests may hold.
    jobIds.push(
      await sbatch(
        ['-t', '2', '-p', 'cpu', '-A', 'research', '-J', 'contract-plain', '--comment', 'a plain comment'],
        script,
      ),
    );
    jobIds.push(
      await sbatch(
        ['-t', '2', '-p', 'gpu', '-A', 'research', '-J', 'contract-a100', '--gres=gpu:a100:2'],
        script,
      ),
    );
    jobIds.push(
      await sbatch(['-t', '2', '-p', 'gpu', '-A', 'physics', '-J', 'contract-h100', '--gpus=h100:1'], script),
    );
    jobIds.push(
      await sbatch(['-t', '2', '-p', 'cpu', '-A', 'research', '-J', 'contract-array', '--array=1-2'], script),
    );
    // c3 has bigmem (and no ib): the expression, `|` included, comes back verbatim from sacct and slurmdb.
    jobIds.push(
      await sbatch(
        ['-t', '2', '-p', 'cpu', '-A', 'research', '-J', 'contract-constraint', '-C', 'bigmem|ib'],
        script,
      ),
    );
    for (const name of HOSTILE_NAMES) {
      jobIds.push(
        await sbatch(['-t', '2', '-p', 'cpu', '-A', 'research', '-J', name, `--comment=${name}`], script),
      );
    }
    for (const id of jobIds) await waitForJobState(id, ['COMPLETED'], 90_000);
    // slurmctld hands finished jobs to slurmdbd asynchronously, and a short job's row first comes from
    // its end message alone (no partition, no name from the start message): wait until every row is whole,
    // then until the window query that the tests send returns them all.
    await waitForAccounting(jobIds, 90_000);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const jobs = await history(clients['local'] as SlurmClient);
      const whole = jobs.every((j) => j.endEpochS !== null && (j.partition ?? '') !== '' && j.name !== '');
      if (jobs.length === jobIds.length + 1 && whole) break;
      if (Date.now() > deadline)
        throw new Error(
          `accounting did not record the test jobs: ${JSON.stringify(jobs.map((j) => [j.id.raw, j.endEpochS]))}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }, 240_000);

  afterAll(async () => {
    for (const c of Object.values(clients)) await c.close();
  });

  async function history(client: SlurmClient): Promise<JobRecord[]> {
    const all = await client.send(new ListJobHistory({ startEpochS }));
    const arrayParents = new Set(jobIds);
    return all.filter(
      (j) => arrayParents.has(j.id.raw) || (j.id.arrayJobId !== null && arrayParents.has(j.id.arrayJobId)),
    );
  }

  it('returns identical typed job history over every transport, GPU jobs and hostile names included', async () => {
    const results = Object.fromEntries(
      await Promise.all(Object.entries(clients).map(async ([k, c]) => [k, await history(c)] as const)),
    );
    const local = results['local'] ?? [];
    expect(local.length).toBe(jobIds.length + 1);
    for (const [name, jobs] of Object.entries(results)) expect(jobs, name).toEqual(local);

    const a100 = local.find((j) => j.name === 'contract-a100');
    expect(a100?.allocTres).toMatchObject({ gpuCount: 2, gpuByType: { a100: 2 } });
    expect(local.find((j) => j.name === 'contract-h100')?.allocTres.gpuByType).toEqual({ h100: 1 });
    expect(
      local
        .filter((j) => j.name === 'contract-array')
        .map((j) => j.id.arrayTaskId)
        .sort(),
    ).toEqual([1, 2]);
    expect(local.find((j) => j.name === 'contract-plain')).toMatchObject({
      comment: 'a plain comment',
      state: 'COMPLETED',
      exitCode: 0,
      constraints: null,
    });
    expect(local.find((j) => j.name === 'contract-constraint')).toMatchObject({
      constraints: 'bigmem|ib',
      nodes: 'c3',
    });
  });

  it('brings hostile names and comments back as data and runs none of them', async () => {
    const jobs = await history(clients['ssh'] as SlurmClient);
    for (const name of HOSTILE_NAMES) {
      // slurmdbd stores `"` as a backquote and characters outside Latin-1 as `?`; everything else verbatim.
      const stored = name.replace(/"/g, '`');
      const job = jobs.find((j) => j.name === stored || j.name.startsWith(stored.slice(0, 12)));
      expect(job, name).toBeDefined();
      expect(job?.comment).toBe(name);
    }
    for (const suffix of ['a', 'b', 'c']) expect(existsSync(`${marker}-${suffix}`)).toBe(false);
  });

  it('passes hostile account and user names to Slurm as data over every transport and runs none of them', async () => {
    const hostileAccounts = HOSTILE_NAMES.filter((n) => !/[\n,]/.test(n));
    expect(hostileAccounts.length).toBeGreaterThanOrEqual(3);
    for (const [name, client] of Object.entries(clients)) {
      const jobs = await client.send(new ListJobHistory({ startEpochS, accounts: hostileAccounts }));
      // No such account exists: an exact filter returns nothing, a mangled one could match the test jobs.
      expect(jobs, name).toEqual([]);
    }
    // sacct checks user names against the system: its refusal quotes the name exactly as it arrived.
    const user = hostileAccounts[0] as string;
    for (const transport of ['local', 'ssh']) {
      const client = clients[transport] as SlurmClient;
      const refusal = await client
        .send(new ListJobHistory({ startEpochS, users: [user] }))
        .catch((e: unknown) => e);
      expect(refusal, transport).toBeInstanceOf(Error);
      expect((refusal as Error).message, transport).toContain(`Invalid user id: ${user}`);
    }
    for (const suffix of ['a', 'b', 'c']) expect(existsSync(`${marker}-${suffix}`)).toBe(false);
  });

  it('lists nodes, partitions, reservations and the queue the same way everywhere', async () => {
    const shape = async (c: SlurmClient): Promise<unknown> => ({
      nodes: (await c.send(new ListNodes())).map((n) => ({
        name: n.name,
        cpus: n.cpus,
        gres: n.gres,
        features: n.availableFeatures,
        partitions: n.partitions,
        cloud: n.power.cloud,
      })),
      partitions: await c.send(new ListPartitions()),
      reservations: (await c.send(new ListReservations())).map((r) => r.name),
      queueIsArray: Array.isArray(await c.send(new ListQueue({ states: ['PENDING'] }))),
    });
    const local = await shape(clients['local'] as SlurmClient);
    expect(local).toMatchObject({
      nodes: expect.arrayContaining([
        expect.objectContaining({ name: 'c1', gres: [{ name: 'gpu', type: 'a100', count: 4 }] }),
      ]),
    });
    for (const [name, c] of Object.entries(clients)) expect(await shape(c), name).toEqual(local);
  });
});
