import { describe, expect, it } from 'vitest';
import {
  StressError,
  parseRunCount,
  renderStressSection,
  replaceStressSection,
  runPassed,
  summariseVitestReport,
  type StressRun,
} from '../../stress/report.js';

const root = '/repo';

function report(files: unknown[], passed: number, failed: number): unknown {
  return { numPassedTests: passed, numFailedTests: failed, testResults: files };
}

describe('stress run summaries', () => {
  it('reports a clean run as passed with no error', () => {
    const summary = summariseVitestReport(
      report(
        [
          {
            name: '/repo/test/integration/lab.test.ts',
            status: 'passed',
            message: '',
            assertionResults: [{ fullName: 'the lab works', status: 'passed', failureMessages: [] }],
          },
        ],
        1,
        0,
      ),
      root,
    );
    expect(summary).toEqual({ passedTests: 1, failedTests: 0, firstError: null });
  });

  it('names the first failing test with its file and the first line of its error', () => {
    const summary = summariseVitestReport(
      report(
        [
          {
            name: '/repo/test/integration/store/influx-fault.test.ts',
            status: 'failed',
            assertionResults: [
              { fullName: 'first passes', status: 'passed', failureMessages: [] },
              {
                fullName: 'every job exactly once',
                status: 'failed',
                failureMessages: ['\nAssertionError: expected 17 to be 11 | x\n    at line 75'],
              },
            ],
          },
        ],
        1,
        1,
      ),
      root,
    );
    expect(summary.failedTests).toBe(1);
    expect(summary.firstError).toBe(
      'test/integration/store/influx-fault.test.ts > every job exactly once: AssertionError: expected 17 to be 11 \\| x',
    );
  });

  it('counts a file that failed outside any test (a beforeAll) as a failure', () => {
    const summary = summariseVitestReport(
      report(
        [
          {
            name: '/repo/test/integration/collect/collect.test.ts',
            status: 'failed',
            message: 'LabError: accounting has not recorded the end of every job',
            assertionResults: [{ fullName: 'collects', status: 'skipped', failureMessages: [] }],
          },
        ],
        0,
        0,
      ),
      root,
    );
    expect(summary.failedTests).toBe(1);
    expect(summary.firstError).toBe(
      'test/integration/collect/collect.test.ts: LabError: accounting has not recorded the end of every job',
    );
    const run: StressRun = { index: 1, exitCode: 0, durationS: 1, summary };
    expect(runPassed(run)).toBe(false);
  });

  it('refuses a report that is not vitest JSON', () => {
    expect(() => summariseVitestReport({ tests: [] }, root)).toThrow(StressError);
  });
});

describe('the stress section of docs/benchmarks.md', () => {
  const runs: StressRun[] = [
    {
      index: 1,
      exitCode: 0,
      durationS: 61.25,
      summary: { passedTests: 25, failedTests: 0, firstError: null },
    },
    {
      index: 2,
      exitCode: 1,
      durationS: 70,
      summary: { passedTests: 24, failedTests: 1, firstError: 'a.test.ts > b: boom' },
    },
  ];
  const section = renderStressSection({
    command: 'npm run test:stress -- 2',
    machine: 'Node v20, 2 cores',
    date: '2026-12-03',
    commit: 'abc1234',
    labStartS: 7,
    runs,
  });

  it('lists every run with its result, duration and first error, and the tally', () => {
    expect(section).toContain('**1 of 2 runs passed.**');
    expect(section).toContain('| 1 | pass | 61.3 | 25 / 0 |  |');
    expect(section).toContain('| 2 | **fail** (exit 1) | 70.0 | 24 / 1 | a.test.ts > b: boom |');
    expect(section).toContain('`npm run test:stress -- 2` (2026-12-03, commit abc1234, Node v20, 2 cores)');
  });

  it('replaces only its own section and keeps the others', () => {
    const doc =
      '# Benchmarks\n\n<!-- store:begin -->\nstore\n<!-- store:end -->\n\n<!-- stress:begin -->\nold $& text\n<!-- stress:end -->\n';
    const updated = replaceStressSection(doc, section);
    expect(updated).toContain('<!-- store:begin -->\nstore\n<!-- store:end -->');
    expect(updated).not.toContain('old');
    expect(updated.match(/<!-- stress:begin -->/g)).toHaveLength(1);
    expect(updated).toContain(section);
  });

  it('appends the section when the page has none yet', () => {
    expect(replaceStressSection('# Benchmarks\n', section)).toBe(`# Benchmarks\n\n${section}\n`);
  });
});

describe('the run count', () => {
  it('takes a whole number from 1 to 1000', () => {
    expect(parseRunCount('20')).toBe(20);
  });

  it.each([undefined, '0', '-3', '2.5', 'many', '1001', ''])('refuses %j with how to call it', (arg) => {
    expect(() => parseRunCount(arg)).toThrow(/npm run test:stress -- N/);
  });
});
