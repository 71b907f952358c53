import { describe, expect, it } from 'vitest';
import {
  MalformedOutputError,
  JobRecordSchema,
  NodeSchema,
  ReservationSchema,
  PartitionSchema,
  QueueJobSchema,
} from '../../../sdk/index.js';
import { parseSacct, SACCT_DELIMITER, SACCT_FIELDS } from '../../../sdk/parse/sacct.js';
import {
  parseScontrolNodes,
  parseScontrolPartitions,
  parseScontrolReservations,
} from '../../../sdk/parse/scontrol.js';
import { expandHostlist, parseGresList, parseTresString } from '../../../sdk/parse/values.js';
import {
  jobRecordsFromDb,
  nodesFromRest,
  partitionsFromRest,
  queueJobsFromJobInfo,
  reservationsFromRest,
} from '../../../sdk/rest/v0_0_38.js';
import { fixture } from './fixtures.js';

const byId = <T extends { id: { raw: number } }>(xs: T[]): T[] => [...xs].sort((a, b) => a.id.raw - b.id.raw);

describe('sacct -P parser (Slurm 22.05 fixture)', () => {
  const jobs = parseSacct(fixture('sacct-p.txt'));

  it('returns one record per job with steps folded in, each matching the model schema', () => {
    expect(jobs.map((j) => j.id.raw).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const j of jobs) expect(JobRecordSchema.parse(j)).toEqual(j);
  });

  it('reads GPU TRES by type', () => {
    const a100 = jobs.find((j) => j.id.raw === 2);
    expect(a100?.allocTres).toMatchObject({
      cpu: 1,
      memMiB: 256,
      nodeCount: 1,
      gpuCount: 2,
      gpuByType: { a100: 2 },
    });
    expect(jobs.find((j) => j.id.raw === 3)?.reqTres.gpuByType).toEqual({ h100: 1 });
  });

  it('splits array and heterogeneous job ids', () => {
    expect(jobs.find((j) => j.id.raw === 10)?.id).toEqual({
      raw: 10,
      display: '4_1',
      arrayJobId: 4,
      arrayTaskId: 1,
      hetJobId: null,
      hetJobOffset: null,
    });
    expect(jobs.find((j) => j.id.raw === 6)?.id).toEqual({
      raw: 6,
      display: '5+1',
      arrayJobId: null,
      arrayTaskId: null,
      hetJobId: 5,
      hetJobOffset: 1,
    });
  });

  it('takes MaxRSS from the batch step and sums TotalCPU over steps', () => {
    const plain = jobs.find((j) => j.id.raw === 1);
    expect(plain?.maxRssBytes).toBe(44396 * 1024);
    expect(plain?.totalCpuS).toBe(0.769);
    expect(plain?.comment).toBe('hello world');
  });

  it('keeps a hostile name and comment with tab and newline intact', () => {
    const evil = jobs.find((j) => j.id.raw === 9);
    expect(evil?.name).toContain('$(touch /tmp/pwned)');
    expect(evil?.name).toContain('\t');
    expect(evil?.name).toContain('\n');
    expect(evil?.comment).toBe('c; $(touch /tmp/pwned2)|x\ty\nz');
  });

  it("reads the job's constraint expression, null for a job without one", () => {
    // Job 1 was given `bigmem`; its batch step row has an empty Constraints, as sacct prints it.
    expect(jobs.find((j) => j.id.raw === 1)?.constraints).toBe('bigmem');
    expect(jobs.find((j) => j.id.raw === 2)?.constraints).toBeNull();
    expect(jobs.filter((j) => j.constraints !== null).map((j) => j.id.raw)).toEqual([1]);
  });

  it('keeps an odd constraint expression intact and the fields around it in place', () => {
    const [job] = parseSacct(sacctRecord({ Constraints: '[a100*2|h100]&ib', TotalCPU: '00:02.500' }));
    expect(job).toMatchObject({ constraints: '[a100*2|h100]&ib', elapsedS: 42 });
    expect(JobRecordSchema.parse(job)).toEqual(job);
    const [step] = parseSacct(
      sacctRecord({ Constraints: 'bigmem' }) +
        sacctRecord({ JobIDRaw: '12.batch', JobID: '12.batch', TotalCPU: '00:01.250' }),
    );
    // A step row's empty Constraints leaves the job's; TotalCPU is summed from the step.
    expect(step).toMatchObject({ constraints: 'bigmem', totalCpuS: 1.25 });
  });

  it('gives the same records as the REST slurmdb fixture', () => {
    expect(byId(jobRecordsFromDb(fixture('rest-v0.0.38-slurmdb-jobs.json')))).toEqual(byId(jobs));
  });

  it('reports a truncated record naming the field and showing the record', () => {
    const text = fixture('sacct-p.txt');
    const cut = text.slice(0, text.indexOf('\n', 10) - 20);
    const error = catchError(() => parseSacct(cut));
    expect(error).toBeInstanceOf(MalformedOutputError);
    expect(error).toMatchObject({ reason: 'truncated' });
    expect((error as MalformedOutputError).record.length).toBeGreaterThan(10);
  });

  it('reports a garbled value with the field name', () => {
    const fields = [
      '12',
      '12',
      'n',
      'u',
      'a',
      'p',
      'q',
      'COMPLETED',
      'zero',
      '1',
      '1',
      '1',
      '1',
      '5',
      '',
      '',
      'c1',
      '',
      '',
      '',
      '00:01',
      '',
      '3',
    ];
    expect(fields).toHaveLength(SACCT_FIELDS.length);
    const error = catchError(() => parseSacct(`${fields.join(SACCT_DELIMITER)}\n`));
    expect(error).toMatchObject({ name: 'MalformedOutputError', field: 'ExitCode' });
    expect((error as Error).message).toContain('ExitCode');
    expect((error as Error).message).toContain('zero');
  });

  it('refuses a record with too many fields', () => {
    const error = catchError(() =>
      parseSacct(
        `${Array(SACCT_FIELDS.length + 1)
          .fill('1')
          .join(SACCT_DELIMITER)}\n`,
      ),
    );
    expect(error).toBeInstanceOf(MalformedOutputError);
  });
});

describe('REST slurmdb jobs (v0.0.38)', () => {
  const body = fixture('rest-v0.0.38-slurmdb-jobs.json');
  const withConstraints = (constraints: string): string => {
    const json = JSON.parse(body) as { jobs: Record<string, unknown>[] };
    for (const job of json.jobs) job['constraints'] = constraints;
    return JSON.stringify(json);
  };

  it('reads constraints, an empty string as null', () => {
    const jobs = jobRecordsFromDb(body);
    expect(jobs.find((j) => j.id.raw === 1)?.constraints).toBe('bigmem');
    expect(jobs.find((j) => j.id.raw === 2)?.constraints).toBeNull();
    expect(jobRecordsFromDb(withConstraints('')).every((j) => j.constraints === null)).toBe(true);
  });

  it('keeps an odd constraint expression as sacct does', () => {
    const [rest] = jobRecordsFromDb(withConstraints('[a100*2|h100]&ib'));
    expect(rest?.constraints).toBe('[a100*2|h100]&ib');
    const [sacct] = parseSacct(sacctRecord({ Constraints: '[a100*2|h100]&ib' }));
    expect(rest?.constraints).toBe(sacct?.constraints);
  });
});

describe('scontrol and REST node/partition/reservation parsers', () => {
  it('reads nodes with GRES types, features and power states the same way from both sources', () => {
    const nodes = parseScontrolNodes(fixture('scontrol-show-node.txt'));
    for (const n of nodes) NodeSchema.parse(n);
    expect(nodes.find((n) => n.name === 'c1')?.gres).toEqual([{ name: 'gpu', type: 'a100', count: 4 }]);
    expect(nodes.find((n) => n.name === 'c2')?.availableFeatures).toEqual(['ib', 'bigmem']);
    const c5 = nodes.find((n) => n.name === 'c5');
    // Recorded while c5 was suspending after a job.
    expect(c5?.power).toEqual({ cloud: true, poweredDown: false, poweringUp: false, poweringDown: true });
    const rest = nodesFromRest(fixture('rest-v0.0.38-nodes.json'));
    expect(rest.find((n) => n.name === 'c1')?.gres).toEqual([{ name: 'gpu', type: 'a100', count: 4 }]);
    const stable = (ns: typeof nodes): unknown =>
      ns.map((n) => [
        n.name,
        n.cpus,
        n.realMemoryMiB,
        n.gres,
        n.availableFeatures,
        n.activeFeatures,
        n.partitions,
      ]);
    expect(stable(rest)).toEqual(stable(nodes));
    // Recorded a few seconds later, while c5 was suspending again.
    expect(rest.find((n) => n.name === 'c5')?.power).toMatchObject({ cloud: true, poweringDown: true });
  });

  it('reads partitions and reservations identically from scontrol and REST', () => {
    const parts = parseScontrolPartitions(fixture('scontrol-show-partition.txt'));
    for (const p of parts) PartitionSchema.parse(p);
    expect(parts.find((p) => p.name === 'all')?.nodeNames).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(partitionsFromRest(fixture('rest-v0.0.38-partitions.json'))).toEqual(parts);
    const res = parseScontrolReservations(fixture('scontrol-show-res.txt'));
    for (const r of res) ReservationSchema.parse(r);
    expect(res[0]).toMatchObject({
      name: 'fx_res',
      nodes: 'c1',
      flags: ['IGNORE_JOBS', 'SPEC_NODES'],
      users: ['root'],
    });
    expect(reservationsFromRest(fixture('rest-v0.0.38-reservations.json'))).toEqual(res);
  });

  it('reads the queue from squeue --json with reason, priority and requested TRES', () => {
    const queue = queueJobsFromJobInfo(fixture('squeue.json'));
    for (const q of queue) QueueJobSchema.parse(q);
    const het = queue.find((q) => q.id.raw === 15);
    expect(het).toMatchObject({
      state: 'PENDING',
      reason: 'BeginTime',
      id: { display: '14+1', hetJobId: 14, hetJobOffset: 1 },
      reqTres: { gpuByType: { a100: 1 } },
    });
    expect(queue.find((q) => q.id.raw === 13)).toMatchObject({
      reason: 'JobHeldUser',
      reqTres: { gpuCount: 2, gpuByType: { h100: 2 } },
    });
    expect(queue.find((q) => q.id.raw === 16)?.id).toMatchObject({
      display: '16_[1-3]',
      arrayJobId: 16,
      arrayTaskId: null,
    });
    expect(queue.find((q) => q.id.raw === 12)).toMatchObject({ state: 'RUNNING', nodes: 'c4' });
    expect(queueJobsFromJobInfo(fixture('rest-v0.0.38-jobs.json')).map((q) => q.id.raw)).toEqual(
      queue.map((q) => q.id.raw),
    );
    expect(queue.every((q) => q.state === 'PENDING' || q.state === 'RUNNING')).toBe(true);
  });

  it('reports garbled JSON and a schema mismatch with the path', () => {
    expect(catchError(() => nodesFromRest('{"nodes": [{"name": "c1"'))).toMatchObject({
      name: 'MalformedOutputError',
      reason: 'garbled',
    });
    const error = catchError(() =>
      nodesFromRest('{"nodes": [{"name": "c1", "state": "idle", "cpus": "many", "real_memory": 1}]}'),
    );
    expect(error).toMatchObject({ name: 'MalformedOutputError', field: 'nodes.0.cpus' });
    expect((error as Error).message).toContain('c1');
  });
});

describe('value parsers', () => {
  it('parses TRES strings, GRES lists and hostlists', () => {
    expect(parseTresString('cpu=8,mem=16G,gres/gpu=2,gres/gpu:h100=2,license/x=1')).toMatchObject({
      cpu: 8,
      memMiB: 16384,
      gpuCount: 2,
      gpuByType: { h100: 2 },
      other: { 'license/x': 1 },
    });
    expect(parseTresString('cpu=a')).toBeUndefined();
    expect(parseGresList('gpu:a100:4(S:0-1),gpu:2,mps:100')).toEqual([
      { name: 'gpu', type: 'a100', count: 4 },
      { name: 'gpu', type: null, count: 2 },
      { name: 'mps', type: null, count: 100 },
    ]);
    expect(expandHostlist('c[1-3,05],gpu[01-02]x')).toEqual(['c1', 'c2', 'c3', 'c05', 'gpu01x', 'gpu02x']);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** One sacct `-P` record in `SACCT_FIELDS` order: a small finished job, with `fields` overriding. */
function sacctRecord(fields: Partial<Record<(typeof SACCT_FIELDS)[number], string>>): string {
  const base: Record<(typeof SACCT_FIELDS)[number], string> = {
    JobIDRaw: '12',
    JobID: '12',
    JobName: 'n',
    User: 'u',
    Account: 'a',
    Partition: 'cpu',
    QOS: 'normal',
    State: 'COMPLETED',
    ExitCode: '0:0',
    Submit: '1795603727',
    Eligible: '1795603727',
    Start: '1795603728',
    End: '1795603770',
    TimelimitRaw: '5',
    ReqTRES: 'billing=1,cpu=1,mem=256M,node=1',
    AllocTRES: 'billing=1,cpu=1,mem=256M,node=1',
    NodeList: 'c3',
    Reservation: '',
    Comment: '',
    MaxRSS: '',
    TotalCPU: '00:00.500',
    Constraints: '',
    ElapsedRaw: '42',
  };
  const record = { ...base, ...fields };
  return `${SACCT_FIELDS.map((f) => record[f]).join(SACCT_DELIMITER)}\n`;
}
