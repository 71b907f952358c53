/**
 * The pure half of `npm run test:stress`: reading one vitest JSON report, and writing the outcome of
 * all runs as the stress section of docs/benchmarks.md. The runner (`run.ts`) does the I/O.
 */
import { z } from 'zod';

/** The part of vitest's JSON reporter output (`--reporter=json`) the summary reads. */
const VitestReportSchema = z.object({
  numPassedTests: z.number().int().nonnegative(),
  numFailedTests: z.number().int().nonnegative(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().optional(),
      assertionResults: z.array(
        z.object({
          fullName: z.string(),
          status: z.string(),
          failureMessages: z.array(z.string()).nullish(),
        }),
      ),
    }),
  ),
});

/** What one run of the integration project came to. */
export interface RunSummary {
  readonly passedTests: number;
  readonly failedTests: number;
  /** The first failure, as `<file> > <test>: <first line of the error>`; null when nothing failed. */
  readonly firstError: string | null;
}

/** Error of the stress runner, with what to do about it. */
export class StressError extends Error {
  override readonly name = 'StressError' as const;
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(`${message}: ${hint}`, options);
    this.hint = hint;
  }
}

const MAX_ERROR_CHARS = 240;

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const plain = line.trim().replace(/\|/g, '\\|');
  return plain.length > MAX_ERROR_CHARS ? `${plain.slice(0, MAX_ERROR_CHARS)}…` : plain;
}

/**
 * Summarises one vitest JSON report. A file that failed outside any test (a `beforeAll`, an import)
 * counts as its own failure, so a run is never reported clean when its report names an error.
 * @param projectRoot stripped from file names so the docs show repository paths.
 * @throws {StressError} when the report is not vitest's JSON format.
 */
export function summariseVitestReport(report: unknown, projectRoot: string): RunSummary {
  const parsed = VitestReportSchema.safeParse(report);
  if (!parsed.success) {
    throw new StressError(
      'the vitest JSON report has an unexpected shape',
      `check that vitest still writes its jest-style JSON report (${parsed.error.issues[0]?.message ?? 'no detail'})`,
      { cause: parsed.error },
    );
  }
  const relative = (file: string): string =>
    file.startsWith(`${projectRoot}/`) ? file.slice(projectRoot.length + 1) : file;
  let firstError: string | null = null;
  let fileFailures = 0;
  for (const file of parsed.data.testResults) {
    const failedTest = file.assertionResults.find((t) => t.status === 'failed');
    if (failedTest !== undefined) {
      firstError ??= `${relative(file.name)} > ${failedTest.fullName}: ${firstLine(failedTest.failureMessages?.[0] ?? '')}`;
    } else if (file.status === 'failed') {
      fileFailures += 1;
      firstError ??= `${relative(file.name)}: ${firstLine(file.message ?? 'failed outside any test')}`;
    }
  }
  return {
    passedTests: parsed.data.numPassedTests,
    failedTests: parsed.data.numFailedTests + fileFailures,
    firstError,
  };
}

/** One finished run, as the section lists it. */
export interface StressRun {
  readonly index: number;
  readonly exitCode: number;
  readonly durationS: number;
  readonly summary: RunSummary;
}

/** Everything the section says. */
export interface StressOutcome {
  readonly command: string;
  readonly machine: string;
  readonly date: string;
  readonly commit: string;
  readonly labStartS: number;
  readonly runs: readonly StressRun[];
}

/** A run passed when vitest exited 0 and its report names no failure. */
export function runPassed(run: StressRun): boolean {
  return run.exitCode === 0 && run.summary.failedTests === 0 && run.summary.firstError === null;
}

const BEGIN = '<!-- stress:begin -->';
const END = '<!-- stress:end -->';

/** The stress section of docs/benchmarks.md, markers included. */
export function renderStressSection(outcome: StressOutcome): string {
  const passed = outcome.runs.filter(runPassed).length;
  const durations = outcome.runs.map((r) => r.durationS);
  const total = durations.reduce((a, b) => a + b, 0);
  const rows = outcome.runs.map((run) => {
    const result = runPassed(run) ? 'pass' : `**fail** (exit ${run.exitCode})`;
    const tests = `${run.summary.passedTests} / ${run.summary.failedTests}`;
    return `| ${run.index} | ${result} | ${run.durationS.toFixed(1)} | ${tests} | ${run.summary.firstError ?? ''} |`;
  });
  return [
    BEGIN,
    '## Integration suite: many runs on one lab',
    '',
    `Command: \`${outcome.command}\` (${outcome.date}, commit ${outcome.commit}, ${outcome.machine}).`,
    `One lab started once (\`test/lab/up.sh\`, ${outcome.labStartS.toFixed(1)} s), the integration project run`,
    'that many times in a row against it (`SLURMCAST_LAB_JSON` set, so no run starts a lab of its own), then',
    'the lab stopped by its own `down.sh`.',
    '',
    `**${passed} of ${outcome.runs.length} runs passed.**` +
      (durations.length === 0
        ? ''
        : ` Run time ${Math.min(...durations).toFixed(1)}–${Math.max(...durations).toFixed(1)} s, ${total.toFixed(0)} s in all.`),
    '',
    '| run | result | duration s | tests passed / failed | first error |',
    '|---:|---|---:|---|---|',
    ...rows,
    END,
  ].join('\n');
}

/** `doc` with its stress section replaced by `section`, or with `section` appended when it has none. */
export function replaceStressSection(doc: string, section: string): string {
  const pattern = /<!-- stress:begin -->[\s\S]*?<!-- stress:end -->/;
  return pattern.test(doc) ? doc.replace(pattern, () => section) : `${doc.trimEnd()}\n\n${section}\n`;
}

/**
 * The run count from the command line.
 * @throws {StressError} unless it is a whole number from 1 to 1,000.
 */
export function parseRunCount(arg: string | undefined): number {
  const runs = arg === undefined ? Number.NaN : Number(arg);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1_000) {
    throw new StressError(
      `run count ${JSON.stringify(arg ?? '')} is not a whole number from 1 to 1000`,
      'call it as `npm run test:stress -- N`, e.g. `npm run test:stress -- 20`',
    );
  }
  return runs;
}
