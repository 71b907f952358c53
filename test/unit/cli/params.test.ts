import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paramsMarkdownTable, rangeText, type ParamName } from '../../../src/config/params.js';
import { runCli } from './cli.js';

const swf = 'test/fixtures/swf/hand-20.swf';
const forecast = ['forecast', '--swf', swf, '--pool', 'batch', '--until', '2024-01-01T02:00:00Z'];
const simulate = ['simulate', '--synthetic', '--policy', 'reactive'];
const predictive = ['simulate', '--synthetic', '--policy', 'predictive'];

/** Each bad value, the command line that gives it, and the parameter whose range must be shown. */
const badValues: readonly { args: readonly string[]; parameter: ParamName }[] = [
  { args: [...forecast, '--horizon', '1e6'], parameter: 'horizon' },
  { args: [...forecast, '--horizon', '0'], parameter: 'horizon' },
  { args: [...forecast, '--horizon', '2.5'], parameter: 'horizon' },
  { args: [...forecast, '--seed', 'NaN'], parameter: 'seed' },
  { args: [...forecast, '--seed', '-1'], parameter: 'seed' },
  { args: [...forecast, '--step', '-1h'], parameter: 'stepS' },
  { args: [...forecast, '--step', '32d'], parameter: 'stepS' },
  { args: [...forecast, '--levels', '1'], parameter: 'level' },
  { args: [...forecast, '--lstm-budget', '0'], parameter: 'lstmBudgetS' },
  { args: [...simulate, '--nodes', '1e12'], parameter: 'nodes' },
  { args: [...simulate, '--nodes', '-1'], parameter: 'nodes' },
  { args: [...simulate, '--days', '1e6'], parameter: 'days' },
  { args: [...simulate, '--days', 'Infinity'], parameter: 'days' },
  { args: [...simulate, '--seed', 'NaN'], parameter: 'seed' },
  { args: [...simulate, '--boot-s', '-1'], parameter: 'bootS' },
  { args: [...simulate, '--idle-s', 'abc'], parameter: 'idleS' },
  { args: [...predictive, '--quantile', '1'], parameter: 'quantile' },
  { args: [...predictive, '--quantile', '1.5'], parameter: 'quantile' },
  {
    args: ['simulate', '--synthetic', '--policy', 'seasonal-warm-pool', '--quantile', '1.5'],
    parameter: 'warmPoolSetting',
  },
  { args: ['demo', '--quantile', '0'], parameter: 'quantile' },
  { args: ['demo', '--seed', '4294967296'], parameter: 'seed' },
  { args: ['predict-job', '--swf', swf, '--job', '1', '--seed', 'NaN'], parameter: 'seed' },
  { args: ['collect', '--overlap', '-1'], parameter: 'overlapS' },
  { args: ['series', '--swf', swf, '--step', '-1h'], parameter: 'stepS' },
];

describe('numbers out of range on the command line', () => {
  // Each case is its own CLI process; they are independent, so they may run side by side.
  it.concurrent.each(badValues.map((c) => ({ ...c, line: c.args.join(' ') })))(
    'slurmcast $line: exit 2 with the range of $parameter',
    async ({ args, parameter }) => {
      const result = await runCli(args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(rangeText(parameter));
      expect(result.stdout).toBe('');
    },
  );

  it('--quantile 1 runs seasonal-warm-pool, whose setting may be 1, as the library does', async () => {
    const result = await runCli([
      ...['--json', 'simulate', '--synthetic', '--days', '1'],
      ...['--policy', 'seasonal-warm-pool', '--quantile', '1'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('policy', 'seasonal-warm-pool');
  });

  it('shows each range in --help', async () => {
    const help = await runCli(['forecast', '--help']);
    expect(help.code).toBe(0);
    for (const name of ['horizon', 'seed', 'stepS', 'lstmBudgetS', 'level'] as const)
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(rangeText(name));
    const simHelp = await runCli(['simulate', '--help']);
    for (const name of ['nodes', 'days', 'bootS', 'idleS', 'quantile', 'warmPoolSetting'] as const)
      expect(simHelp.stdout.replace(/\s+/g, ' ')).toContain(rangeText(name));
  });
});

/** The `--help` text of each option, one block per option (yargs wraps long descriptions). */
function optionBlocks(help: string): string[] {
  return help
    .split(/\n(?= {2}--)/)
    .filter((block) => block.startsWith('  --'))
    .map((block) => block.replace(/\s+/g, ' '));
}

describe('every numeric option of every command', () => {
  it.concurrent.each(['forecast', 'simulate', 'demo', 'predict-job', 'collect', 'series'])(
    '%s --help shows a range for each number',
    async (command) => {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      const numeric = optionBlocks(help.stdout).filter((b) => b.includes('[number]') || b.includes('--step'));
      expect(numeric.length).toBeGreaterThan(0);
      for (const block of numeric) expect(block).toMatch(/ in [[(]-?\d/);
    },
  );
});

/** The cells of a Markdown table, whatever its column alignment. */
function cells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

describe('docs/cli.md', () => {
  it('shows the parameter table exactly as params.ts defines it', () => {
    const page = readFileSync('docs/cli.md', 'utf8');
    const begin = page.indexOf('<!-- params-table:begin -->');
    const end = page.indexOf('<!-- params-table:end -->');
    expect(begin).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(begin);
    expect(cells(page.slice(begin, end))).toEqual(cells(paramsMarkdownTable()));
  });

  it('is linked from the README', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('(docs/cli.md)');
  });
});

describe('exit code 3: partly done', () => {
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-params-'));
    configPath = join(dir, 'config.yaml');
    await writeFile(
      configPath,
      `store:\n  path: ${join(dir, 'history.db')}\n  spoolDir: ${join(dir, 'spool')}\n`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an import that skipped malformed lines exits 3 and says which lines', async () => {
    const result = await runCli([
      '--config',
      configPath,
      'import',
      '--swf',
      'test/fixtures/swf/malformed.swf',
    ]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/skipped line \d+/);
  });

  it('an import of a clean file exits 0', async () => {
    const result = await runCli(['--config', configPath, 'import', '--swf', swf]);
    expect(result.code, result.stderr).toBe(0);
  });
});
