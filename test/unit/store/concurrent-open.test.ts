import { describe, expect, it } from 'vitest';
import { concurrentOpens } from './concurrent-open.js';

describe('two processes creating the same new embedded store at once', () => {
  // Before the fix about 1 trial in 50 failed ("database is locked" at once, or a false
  // StoreCorruptError from the other process's half-made schema): 500 trials fail that code reliably.
  it('both open it, in 500 trials out of 500', { timeout: 120_000 }, async () => {
    const result = await concurrentOpens(500, 2);
    expect(result.failures).toEqual([]);
  });
});
