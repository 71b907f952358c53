import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MissingTraceError, tracePath, traceDirectories } from '../traces.js';

describe('shared traces for tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-traces-'));
  const saved = process.env['SLURMCAST_TRACES'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SLURMCAST_TRACES'];
    else process.env['SLURMCAST_TRACES'] = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a missing trace, naming the file and every directory it looked in', () => {
    process.env['SLURMCAST_TRACES'] = dir;
    expect(traceDirectories()).toEqual([dir]);
    expect(() => tracePath('KTH-SP2-1996-2.1-cln.swf.gz')).toThrow(MissingTraceError);
    expect(() => tracePath('KTH-SP2-1996-2.1-cln.swf.gz')).toThrow(
      `shared trace KTH-SP2-1996-2.1-cln.swf.gz not found (looked in ${dir})`,
    );
  });

  it('finds a trace in the directory SLURMCAST_TRACES names', () => {
    process.env['SLURMCAST_TRACES'] = dir;
    writeFileSync(join(dir, 'tiny.swf'), '; empty\n');
    expect(tracePath('tiny.swf')).toBe(join(dir, 'tiny.swf'));
  });

  it('looks in shared/traces beside the clone when SLURMCAST_TRACES is unset', () => {
    delete process.env['SLURMCAST_TRACES'];
    const root = join(import.meta.dirname, '../..');
    expect(traceDirectories()[0]).toBe(join(root, '../shared/traces'));
  });
});
