import { describe, expect, it } from 'vitest';
import { bytesProgress, progressMode, progressText, terminalProgress } from '../../../src/cli/progress.js';
import type { TerminalInfo } from '../../../src/cli/worker-protocol.js';

const tty: TerminalInfo = { stderrIsTty: true, columns: 60, stdoutColumns: 60 };
const pipe: TerminalInfo = { stderrIsTty: false, columns: 80, stdoutColumns: null };

function recorder(): { write: (text: string) => void; text: () => string } {
  const parts: string[] = [];
  return { write: (t) => parts.push(t), text: () => parts.join('') };
}

describe('progress on stderr', () => {
  it('is drawn at a terminal, and not for a pipe or --json unless SLURMCAST_PROGRESS=lines asks', () => {
    expect(progressMode(false, tty, {})).toBe('redraw');
    expect(progressMode(true, tty, {})).toBe('off');
    expect(progressMode(false, pipe, {})).toBe('off');
    expect(progressMode(true, pipe, { SLURMCAST_PROGRESS: 'lines' })).toBe('lines');
  });

  it('says what is done out of what, with the percentage', () => {
    expect(progressText({ label: 'simulating predictive', done: 8192, total: 38180, unit: 'jobs' })).toBe(
      'simulating predictive: 8,192 / 38,180 jobs (21%)',
    );
    expect(progressText({ label: 'reading jobs', done: 12000, total: 0, unit: 'jobs' })).toBe(
      'reading jobs: 12,000 jobs',
    );
    expect(progressText({ label: 'simulating oracle', done: 0.5, total: 1, unit: '' })).toBe(
      'simulating oracle (50%)',
    );
    expect(
      progressText(
        bytesProgress('importing', { bytesRead: 1.5 * 2 ** 20, totalBytes: 3 * 2 ** 20, jobs: 1234 }),
      ),
    ).toBe('importing: 1.5 / 3 MiB (50%), 1,234 jobs');
  });

  it('redraws one line in place at a terminal, only when it changes, and clears it at the end', () => {
    const out = recorder();
    const progress = terminalProgress(false, { terminal: tty, env: {}, write: out.write });
    progress.update({ label: 'simulating', done: 1, total: 4, unit: 'jobs' });
    progress.update({ label: 'simulating', done: 1, total: 4, unit: 'jobs' });
    progress.update({ label: 'simulating', done: 2, total: 4, unit: 'jobs' });
    progress.end();
    expect(out.text()).toBe(
      '\rsimulating: 1 / 4 jobs (25%)\x1b[K\rsimulating: 2 / 4 jobs (50%)\x1b[K\r\x1b[K',
    );
  });

  it('cuts the line to the terminal width so that it never wraps', () => {
    const out = recorder();
    const progress = terminalProgress(false, {
      terminal: { ...tty, columns: 12 },
      env: {},
      write: out.write,
    });
    progress.update({ label: 'simulating predictive', done: 1, total: 4, unit: 'jobs' });
    expect(out.text()).toBe('\rsimulating \x1b[K');
  });

  it('prints a line per tenth of the work in lines mode, and nothing when off', () => {
    const lines = recorder();
    const progress = terminalProgress(true, {
      terminal: pipe,
      env: { SLURMCAST_PROGRESS: 'lines' },
      write: lines.write,
    });
    for (let done = 0; done <= 100; done++) progress.update({ label: 'sim', done, total: 100, unit: 'jobs' });
    expect(lines.text().split('\n').filter(Boolean)).toHaveLength(11);
    expect(lines.text().startsWith('sim: 0 / 100 jobs (0%)\n')).toBe(true);

    const silent = recorder();
    const off = terminalProgress(true, { terminal: tty, env: {}, write: silent.write });
    off.update({ label: 'sim', done: 1, total: 2, unit: 'jobs' });
    off.end();
    expect(silent.text()).toBe('');
  });
});
