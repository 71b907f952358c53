import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceFormatError, TraceReadError } from '../../../src/collect/errors.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { JobRecordSchema } from '../../../src/shared/job-record.js';
import {
  parseSwfHeader,
  parseSwfLine,
  readSwf,
  readSwfHeader,
  swfContext,
  swfTimeZone,
} from '../../../src/collect/swf.js';
import type { SwfReadOptions, SwfSkip } from '../../../src/collect/swf.js';

const fixtures = new URL('../../fixtures/swf/', import.meta.url).pathname;
const hand = join(fixtures, 'hand-20.swf');
const malformed = join(fixtures, 'malformed.swf');
const T0 = 1704067200; // UnixStartTime of hand-20.swf, 2024-01-01T00:00:00Z

async function readAll(
  path: string,
  options: SwfReadOptions = {},
): Promise<{ records: JobRecord[]; read: ReturnType<typeof readSwf> }> {
  const read = readSwf(path, options);
  const records: JobRecord[] = [];
  for await (const batch of read) records.push(...batch);
  return { records, read };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slurmcast-swf-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('SWF header', () => {
  it('reads the numeric keys, the time zone and the partition table', async () => {
    const header = await readSwfHeader(hand);
    expect(header.maxNodes).toBe(8);
    expect(header.maxProcs).toBe(32);
    expect(header.unixStartTime).toBe(T0);
    expect(header.timeZoneString).toBe('Europe/Stockholm');
    expect([...header.partitions]).toEqual([
      [1, 'batch'],
      [2, 'debug'],
    ]);
    expect(header.computer).toBe('Hand-made test machine (8 nodes x 4 procs)');
    expect(swfTimeZone(header)).toBe('Europe/Stockholm');
  });

  it('keeps queue names, notes with continuations, and ignores continuation lines that look like URLs', () => {
    const header = parseSwfHeader([
      '; Information: http://www.example.org/',
      ';              http://www.cs.huji.ac.il/labs/parallel/workload/',
      '; Queue:  0  interactive',
      '; Queue:  1  ',
      '; Note: first line',
      ';       second line',
      '; TimeZone: 3600',
      '; MaxProcs: lots',
    ]);
    expect(header.fields).toEqual({
      Information: 'http://www.example.org/',
      TimeZone: '3600',
      MaxProcs: 'lots',
    });
    expect([...header.queues]).toEqual([
      [0, 'interactive'],
      [1, ''],
    ]);
    expect(header.notes).toEqual(['first line\nsecond line']);
    expect(header.maxProcs).toBeNull(); // not a number: treated as absent
    expect(swfTimeZone(header)).toBe('UTC+1');
  });
});

describe('SWF job lines', () => {
  const ctx = swfContext(parseSwfHeader(['; UnixStartTime: 1000', '; MaxNodes: 2', '; MaxProcs: 8']), {
    source: 'swf:t',
  });

  it('maps the 18 fields onto a job record', () => {
    const result = parseSwfLine('42 100 20 300 6 250 2048 8 600 4096 1 7 3 11 -1 -1 -1 -1', ctx);
    // Narrows the type; never a silent pass (a failed parse throws here with what it said).
    if (!result.ok) throw new Error(`expected a parsed job line, got ${JSON.stringify(result)}`);
    expect(result.record).toEqual({
      source: 'swf:t',
      jobId: '42',
      name: 'app11',
      user: '7',
      account: '3',
      partition: 'default',
      qos: null,
      state: 'COMPLETED',
      exitCode: 0,
      submitS: 1100,
      eligibleS: null,
      startS: 1120,
      endS: 1420,
      timeLimitS: 600,
      nodeCount: 2, // 6 procs on 4-proc nodes
      cpuCount: 6, // allocated wins over requested
      memMiB: 24, // 4096 KB requested per proc × 6
      gpuCount: 0,
      gpuType: null,
      features: [],
      reservation: null,
      maxRssMiB: 12, // 2048 KB used per proc × 6
      totalCpuS: 1500,
    });
    expect(JobRecordSchema.safeParse(result.record).success).toBe(true);
  });

  it('treats a cancelled job without allocation as never started, ending when it was cancelled', () => {
    const result = parseSwfLine('5 100 50 0 -1 -1 -1 4 600 -1 5 1 1 -1 -1 -1 -1 -1', ctx);
    expect(result.ok && result.record).toMatchObject({
      state: 'CANCELLED',
      startS: null,
      endS: 1150,
      cpuCount: 4,
    });
  });

  it('starts a job that ran but has no recorded wait at its submit time (LLNL-Thunder records none)', () => {
    const ran = parseSwfLine('7 100 -1 300 8 -1 -1 8 -1 -1 1 1 1 -1 -1 -1 -1 -1', ctx);
    expect(ran.ok && ran.record).toMatchObject({ startS: 1100, endS: 1400, state: 'COMPLETED' });
    // Neither wait nor allocation: nothing says it ran.
    const queued = parseSwfLine('8 100 -1 300 -1 -1 -1 8 -1 -1 0 1 1 -1 -1 -1 -1 -1', ctx);
    expect(queued.ok && queued.record).toMatchObject({ startS: null });
  });

  it('rejects wrong field counts, non-numbers and negative values other than -1', () => {
    expect(parseSwfLine('1 2 3', ctx)).toEqual({ ok: false, reason: '3 fields, expected 18' });
    expect(parseSwfLine('1 0 0 1 1 -1 -1 1 1 -1 1 1 1 -1 -1 -1 -1 -1 9', ctx)).toEqual({
      ok: false,
      reason: 'more than 18 fields',
    });
    expect(parseSwfLine('1 0 0 1 q -1 -1 1 1 -1 1 1 1 -1 -1 -1 -1 -1', ctx)).toEqual({
      ok: false,
      reason: 'field 5 is not a number',
    });
    expect(parseSwfLine('1 0 -5 1 1 -1 -1 1 1 -1 1 1 1 -1 -1 -1 -1 -1', ctx).ok).toBe(false);
  });
});

describe('readSwf', () => {
  it('reads the hand-made file: 12 jobs, partitions from the header, absolute times', async () => {
    const { records, read } = await readAll(hand);
    expect(read.summary).toMatchObject({ jobs: 12, skipped: 0, lines: 20, source: 'swf:hand-20' });
    expect(records.map((r) => r.partition)).toEqual([
      'batch',
      'batch',
      'batch',
      'batch',
      'batch',
      'batch',
      'debug',
      'batch',
      'debug',
      'debug',
      'default',
      'partition3',
    ]);
    const j8 = records.find((r) => r.jobId === '8');
    expect(j8).toMatchObject({
      submitS: T0 + 10800,
      startS: T0 + 11400,
      endS: T0 + 12600,
      memMiB: 4,
      maxRssMiB: 2,
      nodeCount: 1,
    });
    expect(records.every((r) => JobRecordSchema.safeParse(r).success)).toBe(true);
  });

  it('skips malformed lines by default, counting them with their line numbers', async () => {
    const seen: SwfSkip[] = [];
    const { records, read } = await readAll(malformed, { onSkip: (s) => seen.push(s) });
    expect(records.map((r) => r.jobId)).toEqual(['1', '4', '6']);
    expect(read.summary.skipped).toBe(3);
    expect(read.summary.skips.map((s) => s.line)).toEqual([4, 5, 8]);
    expect(seen.map((s) => s.reason)).toEqual([
      '17 fields, expected 18',
      'field 5 is not a number',
      'field 2 (submit time) is missing',
    ]);
  });

  it('rejects the whole file in strict mode with an error naming the first bad line', async () => {
    const error = await readAll(malformed, { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceFormatError);
    expect(error).toMatchObject({ line: 4, path: malformed, format: 'swf' });
  });

  it('reads gzip input the same as plain text, and reports progress', async () => {
    const gz = join(tmp, 'hand-20.swf.gz');
    await writeFile(gz, gzipSync(await readFile(hand)));
    const progress: number[] = [];
    const plain = await readAll(hand);
    const zipped = await readAll(gz, { onProgress: (p) => progress.push(p.bytesRead) });
    expect(zipped.records.map((r) => ({ ...r, source: '' }))).toEqual(
      plain.records.map((r) => ({ ...r, source: '' })),
    );
    expect(zipped.read.summary.source).toBe('swf:hand-20');
    expect(progress.at(-1)).toBeGreaterThan(0);
  });

  it('handles CRLF line ends and a last line without a newline', async () => {
    const path = join(tmp, 'crlf.swf');
    await writeFile(
      path,
      '; MaxProcs: 4\r\n1 0 0 10 1 -1 -1 1 60 -1 1 1 1 -1 -1 -1 -1 -1\r\n2 5 0 10 1 -1 -1 1 60 -1 1 1 1 -1 -1 -1 -1 -1',
    );
    const { records, read } = await readAll(path);
    expect(records.map((r) => r.jobId)).toEqual(['1', '2']);
    expect(read.summary.header.maxProcs).toBe(4);
  });

  it('fails with a TraceReadError for a missing file', async () => {
    await expect(readAll(join(tmp, 'nope.swf'))).rejects.toBeInstanceOf(TraceReadError);
    await expect(readSwfHeader(join(tmp, 'nope.swf'))).rejects.toBeInstanceOf(TraceReadError);
  });

  it('gives each part of a checkpointed job its own id', async () => {
    const path = join(tmp, 'parts.swf');
    const line = (status: number, submit: number): string =>
      `7 ${submit} 0 10 1 -1 -1 1 60 -1 ${status} 1 1 -1 -1 -1 -1 -1`;
    await writeFile(path, [line(2, 0), line(2, 20), line(3, 40)].join('\n'));
    const { records } = await readAll(path);
    expect(records.map((r) => [r.jobId, r.state])).toEqual([
      ['7.1', 'PREEMPTED'],
      ['7.2', 'PREEMPTED'],
      ['7.3', 'COMPLETED'],
    ]);
  });
});
