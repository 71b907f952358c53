import { afterAll, describe, expect, it } from 'vitest';
import {
  CreateReservation,
  DeleteReservation,
  ListQueue,
  ListReservationJobs,
  listJobsInReservations,
} from '../../../sdk/index.js';
import { loadLab, runSlurm, sbatch, waitForAccounting, waitForJobState } from '../lab.js';
import { labClients } from './clients.js';

const lab = loadLab();
const clients = labClients(lab);

afterAll(async () => {
  for (const c of Object.values(clients)) await c.close();
});

describe('reservation use read back over every transport', () => {
  it('finds the jobs that ran and run in a reservation, by name, and the queue by reservation', async () => {
    const name = `sdk-use-${process.pid}`;
    const startEpochS = Math.floor(Date.now() / 1000) - 60;
    await clients.local.send(
      new CreateReservation({
        name,
        start: 'now',
        durationMin: 30,
        nodes: ['c4'],
        accounts: ['research'],
        flags: ['IGNORE_JOBS'],
      }),
    );
    let running: number | undefined;
    try {
      const done = await sbatch(
        ['-p', 'cpu', '-A', 'research', `--reservation=${name}`, '-J', 'resv-use-done', '-t', '1'],
        '#!/bin/sh\nsleep 1\n',
      );
      const outside = await sbatch(
        ['-p', 'cpu', '-A', 'research', '-w', 'c3', '-J', 'resv-use-outside', '-t', '1'],
        '#!/bin/sh\nsleep 1\n',
      );
      running = await sbatch(
        ['-p', 'cpu', '-A', 'research', `--reservation=${name}`, '-J', 'resv-use-running', '-t', '3'],
        '#!/bin/sh\nsleep 120\n',
      );
      await waitForAccounting([done, outside], 90_000);
      await waitForJobState(running, ['RUNNING'], 60_000);
      for (const [transport, client] of Object.entries(clients)) {
        const jobs = await listJobsInReservations(client, { names: [name], startEpochS });
        expect(
          jobs.map((j) => [j.jobId, j.reservation, j.state, j.nodes]),
          transport,
        ).toEqual([
          [done, name, 'COMPLETED', 'c4'],
          [running, name, 'RUNNING', 'c4'],
        ]);
        expect(
          jobs.every((j) => j.account === 'research' && j.allocTres.cpu === 1),
          transport,
        ).toBe(true);
        const queued = await client.send(new ListQueue({ reservations: [name] }));
        expect(
          queued.map((j) => [j.id.raw, j.state]),
          transport,
        ).toEqual([[running, 'RUNNING']]);
      }
      // The ids listJobsInReservations resolved are the ones every job carries.
      const [first] = await listJobsInReservations(clients.local, { names: [name], startEpochS });
      const byId = await clients.restJwt.send(
        new ListReservationJobs({ startEpochS, reservationIds: [first?.reservationId ?? 0] }),
      );
      expect(byId.map((j) => j.jobId)).toEqual([done, running]);
    } finally {
      if (running !== undefined) await runSlurm('scancel', [String(running)]).catch(() => undefined);
      await clients.local.send(new DeleteReservation({ name }));
    }
  });
});
