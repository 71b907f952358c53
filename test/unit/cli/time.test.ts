import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli } from './cli.js';

const swf = 'test/fixtures/swf/hand-20.swf';
/** A zone far from UTC: any instant read as local time would be nine hours off. */
const tokyo = { env: { TZ: 'Asia/Tokyo' } };
const START_2024_S = 1_704_067_200;

/** Four weeks of hourly jobs in partition 1, the last submitted at 2024-01-28T23:00:00Z. */
function fourWeeksSwf(): string {
  const lines = [
    '; UnixStartTime: 1704067200',
    '; TimeZoneString: UTC',
    '; MaxNodes: 16',
    '; MaxProcs: 64',
    '; Partition: 1 batch',
  ];
  for (let h = 0; h < 28 * 24; h++) {
    const procs = 1 + ((h * 7) % 5) + (h % 24 >= 8 && h % 24 < 18 ? 8 : 0);
    lines.push(`${h + 1} ${h * 3600} 0 1800 ${procs} -1 -1 ${procs} 3600 -1 1 1 1 -1 -1 1 -1 -1`);
  }
  return `${lines.join('\n')}\n`;
}
/** The last job is submitted at 23:00 and runs 30 minutes: the data's last event. */
const LAST_EVENT = '2024-01-28T23:30:00Z';

describe('ISO instants without an offset are UTC in every command, whatever TZ says', () => {
  let dir: string;
  let log: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-time-'));
    log = join(dir, 'four-weeks.swf');
    await writeFile(log, fourWeeksSwf());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('series --from: the same buckets with and without Z', async () => {
    const args = ['--json', 'series', '--swf', swf, '--pool', 'batch'];
    const bare = await runCli([...args, '--from', '2024-01-01T00:00'], tokyo);
    const utc = await runCli([...args, '--from', '2024-01-01T00:00:00Z'], tokyo);
    expect(bare.code, bare.stderr).toBe(0);
    expect(utc.code, utc.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toHaveProperty('start', '2024-01-01T00:00:00Z');
    expect(bare.stdout).toBe(utc.stdout);
  });

  it('forecast --until: the same forecast with and without Z', async () => {
    const args = ['--json', 'forecast', '--swf', log, '--pool', 'batch', '--horizon', '6'];
    const bare = await runCli([...args, '--until', '2024-01-28T12:00:00'], tokyo);
    const utc = await runCli([...args, '--until', '2024-01-28T12:00:00Z'], tokyo);
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toHaveProperty('start', '2024-01-28T12:00:00Z');
    expect(bare.stdout).toBe(utc.stdout);
  });

  it('import --start: the inventory snapshot and the pods share the UTC anchor', async () => {
    const storePath = join(dir, 'alibaba.db');
    const configPath = join(dir, 'alibaba.yaml');
    await writeFile(configPath, `store:\n  path: ${storePath}\n  spoolDir: ${join(dir, 'spool')}\n`);
    const result = await runCli(
      [
        ...['--config', configPath, '--json', 'import', '--alibaba-gpu', 'test/fixtures/alibaba/pods.csv'],
        ...['--nodes', 'test/fixtures/alibaba/nodes.csv', '--start', '2024-01-01T00:00:00'],
      ],
      tokyo,
    );
    const { source, skipped } = JSON.parse(result.stdout) as { source: string; skipped: number };
    // The fixture holds malformed rows on purpose: skipping them is "partly done".
    expect(result.code, result.stderr).toBe(skipped > 0 ? 3 : 0);
    const store = await openEmbeddedStore(storePath);
    try {
      const snapshots = await store.nodeSnapshots({ source });
      expect(snapshots.map((s) => s.atS)).toEqual([START_2024_S]);
      let firstSubmitS = Number.POSITIVE_INFINITY;
      for await (const batch of store.jobs({ source }))
        for (const job of batch) firstSubmitS = Math.min(firstSubmitS, job.submitS);
      // pod-a was created at trace second 0.
      expect(firstSubmitS).toBe(START_2024_S);
    } finally {
      await store.close();
    }
  });

  it('refuses a bare time, which would depend on the day it is run, with exit 2', async () => {
    for (const args of [
      ['series', '--swf', swf, '--from', '10:00'],
      ['forecast', '--swf', swf, '--pool', 'batch', '--until', 'yesterday'],
      ['collect', '--since', '2024-13-01'],
      ['import', '--alibaba-gpu', 'test/fixtures/alibaba/pods.csv', '--start', '10:00'],
    ]) {
      const result = await runCli(args, tokyo);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('is not an ISO 8601 instant');
    }
  });
});

describe('forecast --until past the end of the data', () => {
  let dir: string;
  let log: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-until-'));
    log = join(dir, 'four-weeks.swf');
    await writeFile(log, fourWeeksSwf());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const args = (until: string): string[] => [
    ...['forecast', '--swf', '', '--pool', 'batch', '--horizon', '6', '--until', until],
  ];

  it("exits 1 naming the data's last event instead of printing an all-zero forecast", async () => {
    const a = args('2024-03-01T00:00:00Z');
    a[2] = log;
    const result = await runCli(a);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`last job event ${LAST_EVENT}`);
  });

  it('refuses a cut more than a day after the last event, and forecasts from a quiet night', async () => {
    const late = args('2024-01-30T00:00:00Z');
    late[2] = log;
    const lateResult = await runCli(late);
    expect(lateResult.code, lateResult.stderr).toBe(1);
    expect(lateResult.stderr).toContain(LAST_EVENT);
    const edge = args('2024-01-29T23:00:00Z');
    edge[2] = log;
    const edgeResult = await runCli(['--json', ...edge]);
    expect(edgeResult.code, edgeResult.stderr).toBe(0);
    expect(JSON.parse(edgeResult.stdout)).toHaveProperty('start', '2024-01-29T23:00:00Z');
  });
});
