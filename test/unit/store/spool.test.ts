import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gpuUse, job } from '../../contract/store.contract.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { Spool, SpooledStore } from '../../../src/store/spool.js';
import {
  SpoolCorruptError,
  StoreQueryError,
  StoreUnreachableError,
  StoreWriteRefusedError,
} from '../../../src/store/errors.js';
import type { GpuUseRecord, HistoryStore, UpsertResult } from '../../../src/store/types.js';

/** A memory store whose writes can be made to fail like a server that is down or refuses. */
class FlakyStore extends MemoryStore {
  mode: 'up' | 'down' | 'refuse' | 'broken' = 'up';
  /** Fail only after this many more successful writes (then switch to `mode`). */
  writesLeft = Infinity;
  writes = 0;

  #gate(): void {
    if (this.writesLeft <= 0 || this.mode !== 'up') {
      const mode = this.mode === 'up' ? 'down' : this.mode;
      if (mode === 'down') throw new StoreUnreachableError('server down', { target: 'flaky' });
      if (mode === 'refuse') throw new StoreWriteRefusedError('refused', { target: 'flaky', status: 400 });
      throw new StoreQueryError('broken', { target: 'flaky' });
    }
    this.writesLeft -= 1;
    this.writes += 1;
  }
  override upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult> {
    this.#gate();
    return super.upsertJobs(records);
  }
  override upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void> {
    this.#gate();
    return super.upsertGpuUse(records);
  }
  override setWatermark(source: string, atS: number): Promise<void> {
    this.#gate();
    return super.setWatermark(source, atS);
  }
  override watermark(source: string): Promise<number | null> {
    if (this.mode === 'down')
      return Promise.reject(new StoreUnreachableError('server down', { target: 'flaky' }));
    return super.watermark(source);
  }
}

async function ids(store: HistoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of store.jobs()) out.push(...batch.map((r) => r.jobId));
  return out.sort();
}

describe('SpooledStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes straight to the server while it is up and leaves no spool', async () => {
    const inner = new FlakyStore();
    const store = new SpooledStore(inner, dir);
    await store.upsertJobs([job({ jobId: '1' })]);
    await store.setWatermark('slurm:test', 100);
    expect(await ids(inner)).toEqual(['1']);
    expect(new Spool(dir).isEmpty()).toBe(true);
    expect(store.status()).toMatchObject({ spooled: 0, pending: false });
  });

  it('spools writes when the server goes down mid-run, keeps spooling, and knows its watermark', async () => {
    const inner = new FlakyStore();
    inner.writesLeft = 1;
    const store = new SpooledStore(inner, dir);
    await store.upsertJobs([job({ jobId: '1' })]);
    await store.upsertJobs([job({ jobId: '2' })]);
    inner.writesLeft = Infinity; // the server is back, but this run keeps its order by spooling on
    await store.upsertJobs([job({ jobId: '3' })]);
    await store.setWatermark('slurm:test', 200);
    expect(await ids(inner)).toEqual(['1']);
    expect(store.status()).toMatchObject({ spooled: 3, pending: true });
    expect(store.status().lastError).toBeInstanceOf(StoreUnreachableError);
    inner.mode = 'down';
    expect(await store.watermark('slurm:test')).toBe(200);
  });

  it('replays the spool on the next open, in order, and clears it', async () => {
    const inner = new FlakyStore();
    inner.mode = 'down';
    const first = new SpooledStore(inner, dir);
    await first.upsertJobs([job({ jobId: '1', state: 'RUNNING' })]);
    await first.upsertJobs([job({ jobId: '1', state: 'COMPLETED' }), job({ jobId: '2' })]);
    await first.setWatermark('slurm:test', 300);
    inner.mode = 'up';
    const second = new SpooledStore(inner, dir);
    await second.replay();
    expect(second.status()).toMatchObject({ replayed: 3, pending: false });
    expect(await ids(inner)).toEqual(['1', '2']);
    expect((await collect(inner)).find((r) => r.jobId === '1')?.state).toBe('COMPLETED');
    expect(await inner.watermark('slurm:test')).toBe(300);
    expect(existsSync(join(dir, 'spool.jsonl'))).toBe(false);
  });

  it('spools GPU use while the server is down and replays it on the next open', async () => {
    const inner = new FlakyStore();
    inner.mode = 'down';
    const first = new SpooledStore(inner, dir);
    await first.upsertGpuUse([gpuUse({ jobId: '9' })]);
    expect(first.status()).toMatchObject({ spooled: 1, pending: true });
    expect(await inner.gpuUse()).toEqual([]);
    inner.mode = 'up';
    const second = new SpooledStore(inner, dir);
    await second.replay();
    expect(await second.gpuUse()).toEqual([gpuUse({ jobId: '9' })]);
    expect(second.status()).toMatchObject({ replayed: 1, pending: false });
  });

  it('keeps the spool when the replay is cut short, and finishes it on a later run, each job once', async () => {
    const inner = new FlakyStore();
    inner.mode = 'down';
    const first = new SpooledStore(inner, dir);
    for (let i = 1; i <= 4; i += 1) await first.upsertJobs([job({ jobId: String(i) })]);
    inner.mode = 'up';
    inner.writesLeft = 2;
    const second = new SpooledStore(inner, dir);
    await second.replay();
    expect(second.status()).toMatchObject({ replayed: 2, pending: true });
    inner.writesLeft = Infinity;
    const third = new SpooledStore(inner, dir);
    await third.replay();
    expect(third.status()).toMatchObject({ replayed: 4, pending: false });
    expect(await ids(inner)).toEqual(['1', '2', '3', '4']);
  });

  it('spools a write the server refuses, and reports why', async () => {
    const inner = new FlakyStore();
    inner.mode = 'refuse';
    const store = new SpooledStore(inner, dir);
    await store.upsertJobs([job({ jobId: '1' })]);
    expect(store.status().lastError).toBeInstanceOf(StoreWriteRefusedError);
    expect(new Spool(dir).isEmpty()).toBe(false);
  });

  it('does not swallow failures that a spool cannot help with', async () => {
    const inner = new FlakyStore();
    inner.mode = 'broken';
    const store = new SpooledStore(inner, dir);
    await expect(store.upsertJobs([job({ jobId: '1' })])).rejects.toBeInstanceOf(StoreQueryError);
  });
});

describe('Spool file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ignores a last line whose append never finished', async () => {
    const spool = new Spool(dir);
    spool.append({ op: 'watermark', source: 's', atS: 1 });
    appendFileSync(spool.path, '{"op":"watermark","sou');
    const entries = [];
    for await (const entry of spool.entries()) entries.push(entry);
    expect(entries).toEqual([{ op: 'watermark', source: 's', atS: 1 }]);
  });

  it('stops at a damaged line in the middle and names it', async () => {
    const spool = new Spool(dir);
    writeFileSync(
      spool.path,
      '{"op":"watermark","source":"s","atS":1}\nnot json\n{"op":"watermark","source":"s","atS":2}\n',
    );
    const read = async (): Promise<void> => {
      for await (const _ of spool.entries()) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(SpoolCorruptError);
    await expect(read()).rejects.toMatchObject({ line: 2 });
    expect(readFileSync(spool.path, 'utf8')).toContain('not json');
  });
});

async function collect(store: HistoryStore): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for await (const batch of store.jobs()) out.push(...batch);
  return out;
}
