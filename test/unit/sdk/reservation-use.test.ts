import { describe, expect, it } from 'vitest';
import {
  AccountingReservationSchema,
  InvalidInputError,
  ListAccountingReservations,
  ListQueue,
  ListReservationJobs,
  MalformedOutputError,
  ReservationJobSchema,
  SlurmClient,
  listJobsInReservations,
  type CliRequest,
  type HttpRequest,
} from '../../../sdk/index.js';
import { FakeTransport, cliMatch, httpMatch } from '../../../sdk/transports/fake.js';
import { RESERVATION_JOB_FIELDS, parseReservationJobs } from '../../../sdk/parse/reservation-use.js';
import { fixture } from './fixtures.js';

// Recorded on the lab (Slurm 22.05.8): reservation `rec-gpu` (id 1) on c2 for account research, jobs
// 2, 3, 5-8 submitted into it (5 refused at submit, 7 running, 8 pending), 1 and 4 outside it;
// `rec-again` created, deleted and created again (ids 2 and 3). See test/fixtures/slurm-22.05/README.md.
const START_EPOCH_S = Date.parse('2026-12-03T15:00:00Z') / 1000;
const IN_REC_GPU = [2, 3, 5, 6, 7, 8];
const SEP = '\u001f';

function cliClient(): { client: SlurmClient; fake: FakeTransport } {
  const fake = new FakeTransport({
    protocol: 'cli',
    replies: [
      {
        match: cliMatch('sacct'),
        reply: { stdout: fixture('sacct-reservation-jobs.txt'), stderr: '', exitCode: 0 },
      },
      {
        match: cliMatch('sacctmgr'),
        reply: { stdout: fixture('sacctmgr-show-reservation.txt'), stderr: '', exitCode: 0 },
      },
      {
        match: cliMatch('squeue'),
        reply: { stdout: fixture('squeue-reservation.json'), stderr: '', exitCode: 0 },
      },
    ],
  });
  return { client: new SlurmClient({ transport: fake }), fake };
}

function restClient(): { client: SlurmClient; rest: FakeTransport<'http'>; commands: FakeTransport } {
  const rest = new FakeTransport({
    protocol: 'http',
    replies: [
      {
        match: httpMatch('GET', '/slurmdb/v0.0.38/jobs'),
        reply: { status: 200, body: fixture('rest-v0.0.38-slurmdb-jobs-reservation.json') },
      },
      {
        match: httpMatch('GET', '/slurm/v0.0.38/jobs'),
        reply: { status: 200, body: fixture('rest-v0.0.38-jobs-reservation.json') },
      },
    ],
  });
  const commands = new FakeTransport({
    protocol: 'cli',
    replies: [
      {
        match: cliMatch('sacctmgr'),
        reply: { stdout: fixture('sacctmgr-show-reservation.txt'), stderr: '', exitCode: 0 },
      },
    ],
  });
  return { client: new SlurmClient({ transport: rest, commandTransport: commands }), rest, commands };
}

describe('reading reservation use from accounting (Slurm 22.05 fixtures)', () => {
  it('sacct: finds every job of a reservation by its id, also those whose Reservation column is empty', async () => {
    const { client, fake } = cliClient();
    const jobs = await client.send(
      new ListReservationJobs({ startEpochS: START_EPOCH_S, reservationIds: [1] }),
    );
    expect(jobs.map((j) => j.jobId)).toEqual(IN_REC_GPU);
    for (const j of jobs) expect(ReservationJobSchema.parse(j)).toEqual(j);
    // The recording has the name on jobs 6-8 only: the id is what holds them together.
    expect(jobs.map((j) => j.reservation)).toEqual([null, null, null, 'rec-gpu', 'rec-gpu', 'rec-gpu']);
    expect(jobs.find((j) => j.jobId === 7)).toMatchObject({
      state: 'RUNNING',
      endEpochS: null,
      nodes: 'c2',
      account: 'research',
      partition: 'gpu',
      allocTres: { gpuByType: { h100: 2 } },
    });
    expect(jobs.find((j) => j.jobId === 8)).toMatchObject({
      state: 'PENDING',
      startEpochS: null,
      nodes: null,
    });
    const request = fake.sent[0] as CliRequest;
    expect(request.args).toContain(`--format=${RESERVATION_JOB_FIELDS.join(',')}`);
    expect(request.args).toContain('--starttime=2026-12-03T15:00:00');
    expect(request.env).toMatchObject({ TZ: 'UTC', SLURM_TIME_FORMAT: '%s' });
  });

  it('REST v0.0.38: the same jobs, though slurmdb returns a number instead of the reservation name', async () => {
    const { client, rest } = restClient();
    const jobs = await client.send(
      new ListReservationJobs({ startEpochS: START_EPOCH_S, reservationIds: [1] }),
    );
    expect(jobs.map((j) => j.jobId)).toEqual(IN_REC_GPU);
    expect(jobs.every((j) => j.reservationId === 1 && j.reservation === null)).toBe(true);
    const fromCli = await cliClient().client.send(
      new ListReservationJobs({ startEpochS: START_EPOCH_S, reservationIds: [1] }),
    );
    const comparable = (xs: typeof jobs): unknown =>
      xs.map(({ reservation: _name, elapsedS: _e, ...rest }) => rest);
    expect(comparable(jobs)).toEqual(comparable(fromCli));
    expect((rest.sent[0] as HttpRequest).query).toMatchObject({ start_time: '2026-12-03T15:00:00' });
  });

  it('lists reservations as accounting keeps them, a deleted and re-created name with both its ids', async () => {
    const { client, fake } = cliClient();
    const all = await client.send(new ListAccountingReservations({ startEpochS: START_EPOCH_S }));
    for (const r of all) expect(AccountingReservationSchema.parse(r)).toEqual(r);
    expect(all.map((r) => [r.id, r.name])).toEqual([
      [1, 'rec-gpu'],
      [2, 'rec-again'],
      [3, 'rec-again'],
    ]);
    const again = await client.send(
      new ListAccountingReservations({ startEpochS: START_EPOCH_S, names: ['rec-again'] }),
    );
    expect(again.map((r) => r.id)).toEqual([2, 3]);
    expect((fake.sent[1] as CliRequest).args).toContain('names=rec-again');
  });

  it('over REST, the accounting reservations (no v0.0.38 endpoint) go through the command transport', async () => {
    const { client, rest, commands } = restClient();
    const found = await client.send(new ListAccountingReservations({ startEpochS: START_EPOCH_S }));
    expect(found).toHaveLength(3);
    expect(rest.sent).toHaveLength(0);
    expect((commands.sent[0] as CliRequest).program).toBe('sacctmgr');
  });

  it.each(['cli', 'rest'] as const)(
    'listJobsInReservations (%s): from a name to its jobs, each named after its reservation',
    async (kind) => {
      const { client } = kind === 'cli' ? cliClient() : restClient();
      const jobs = await listJobsInReservations(client, { names: ['rec-gpu'], startEpochS: START_EPOCH_S });
      expect(jobs.map((j) => [j.jobId, j.reservation])).toEqual(IN_REC_GPU.map((id) => [id, 'rec-gpu']));
      const none = await listJobsInReservations(client, { names: ['rec-again'], startEpochS: START_EPOCH_S });
      expect(none).toEqual([]);
    },
  );

  it('refuses a read without reservation ids, and a reservation name with a quote, before sending', () => {
    expect(() => new ListReservationJobs({ startEpochS: 0, reservationIds: [] })).toThrow(InvalidInputError);
    expect(() => new ListAccountingReservations({ startEpochS: 0, names: ["it's"] })).toThrow(
      InvalidInputError,
    );
  });

  it('names the field when a record is cut short or a value is garbled', () => {
    const line = fixture('sacct-reservation-jobs.txt').split('\n')[1] ?? '';
    expect(() => parseReservationJobs(line.split(SEP).slice(0, 5).join(SEP), new Set([1]))).toThrow(
      MalformedOutputError,
    );
    expect(() => parseReservationJobs(`2${SEP}x${line.slice(line.indexOf(SEP, 2))}`, new Set([1]))).toThrow(
      /ReservationId/,
    );
  });
});

describe('the queue by reservation (squeue -R)', () => {
  it.each(['cli', 'rest'] as const)(
    '%s: keeps only the jobs queued in the named reservation',
    async (kind) => {
      const { client } = kind === 'cli' ? cliClient() : restClient();
      const queued = await client.send(new ListQueue({ reservations: ['rec-gpu'] }));
      expect(queued.map((j) => [j.id.raw, j.state]).sort()).toEqual([
        [7, 'RUNNING'],
        [8, 'PENDING'],
      ]);
      expect(queued.every((j) => j.reservation === 'rec-gpu')).toBe(true);
      expect(await client.send(new ListQueue({ reservations: ['rec-again'] }))).toEqual([]);
    },
  );
});
