import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../../sdk/redact.js';
import { importSwf } from '../../../src/collect/import-history.js';
import { ConfigSchema } from '../../../src/config/schema.js';
import { createLogger, LoggerConfigError, resolveLoggerConfig } from '../../../src/shared/logger.js';
import { MemoryStore } from '../../../src/store/memory.js';

/** A pino destination that keeps each line, parsed. */
function capture(): { lines: Record<string, unknown>[]; write(line: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('the structured log', () => {
  it('writes JSON lines at or above its level, warn by default', () => {
    const out = capture();
    const log = createLogger({ destination: out });
    log.info('not written');
    log.warn({ source: 'swf:x', skipped: 2 }, 'written');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({
      level: 40,
      msg: 'written',
      source: 'swf:x',
      skipped: 2,
      name: 'slurmcast',
    });
  });

  it('takes its level from the config, overridden by $SLURMCAST_LOG_LEVEL, and refuses an unknown one', () => {
    expect(ConfigSchema.parse({}).log.level).toBe('warn');
    expect(resolveLoggerConfig({ level: 'info' })).toEqual({ level: 'info', file: null });
    expect(resolveLoggerConfig({ level: 'info', env: { SLURMCAST_LOG_LEVEL: 'debug' } }).level).toBe('debug');
    expect(() => resolveLoggerConfig({ env: { SLURMCAST_LOG_LEVEL: 'loud' } })).toThrow(LoggerConfigError);
    expect(() => resolveLoggerConfig({ env: { SLURMCAST_LOG_LEVEL: 'loud' } })).toThrow(
      /one of fatal, error/,
    );
  });

  it('never writes a secret: secret keys are censored, JWTs and registered secrets scrubbed from text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbHVybWNhc3QifQ.c2lnbmF0dXJlLXZhbHVl';
    const redactor = new Redactor();
    redactor.add('influx-password-42');
    const out = capture();
    const log = createLogger({ destination: out, redactor, level: 'info' });
    log.info({ password: 'hunter2-hunter2', slurm: { token: 'tok' } }, 'connecting');
    log.warn({ detail: `server said: bad password influx-password-42` }, `token was ${jwt}`);
    const text = JSON.stringify(out.lines);
    for (const secret of ['hunter2-hunter2', '"tok"', 'influx-password-42', jwt])
      expect(text).not.toContain(secret);
    expect(out.lines[0]).toMatchObject({ password: '[REDACTED]', slurm: { token: '[REDACTED]' } });
    expect(out.lines[1]).toMatchObject({
      msg: 'token was [REDACTED]',
      detail: 'server said: bad password [REDACTED]',
    });
  });

  it('appends to the file the environment names instead of stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-log-'));
    temps.push(dir);
    const file = join(dir, 'sub', 'slurmcast.log');
    const log = createLogger({ env: { SLURMCAST_LOG_FILE: file } });
    log.error({ code: 7 }, 'first');
    log.error({ code: 8 }, 'second');
    log.flush();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(['first', 'second']);
  });

  it('carries an import’s progress and its skipped lines', async () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'info' });
    const store = new MemoryStore();
    const result = await importSwf(store, 'test/fixtures/swf/malformed.swf', { logger, batchSize: 1 });
    expect(result.skipped).toBeGreaterThan(0);
    const skipped = out.lines.find((l) => l['msg'] === 'import: malformed lines skipped');
    expect(skipped).toMatchObject({ level: 40, skipped: result.skipped });
    expect(out.lines.filter((l) => l['msg'] === 'import: batch staged').length).toBeGreaterThan(0);
    expect(out.lines.at(-1)).toMatchObject({ msg: 'import: done', imported: result.imported });
  });
});
