import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The layering rules exactly as `npm run lint` applies them (eslint.config.js spreads the same array). */
async function layerLinter(cwd = root): Promise<ESLint> {
  const specifier = pathToFileURL(join(root, 'eslint.layers.js')).href;
  const { layerConfig } = (await import(specifier)) as { layerConfig: Linter.Config[] };
  return new ESLint({
    cwd,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerConfig],
  });
}

/** Lints `code` as if it were the file at `path` (relative to the repository), and returns the rules hit. */
async function rulesHit(path: string, code: string): Promise<string[]> {
  const [result] = await (await layerLinter()).lintText(code, { filePath: join(root, path) });
  if (result === undefined) throw new Error(`eslint returned no result for ${path}`);
  return result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('the pipeline layering in lint', () => {
  it('refuses an import of src/ from sdk/', async () => {
    const hit = await rulesHit(
      'sdk/layering-probe.ts',
      "import { systemClock } from '../src/shared/clock.js';\nexport const clock = systemClock;\n",
    );
    expect(hit).toContain('import-x/no-restricted-paths');
  });

  it('refuses a downstream import: forecast importing the simulator', async () => {
    const hit = await rulesHit(
      'src/forecast/layering-probe.ts',
      "import type { SimResult } from '../sim/types.js';\nexport type Result = SimResult;\n",
    );
    expect(hit).toContain('import-x/no-restricted-paths');
  });

  it('refuses store importing collect, the way the JobRecord cycle went', async () => {
    const hit = await rulesHit(
      'src/store/layering-probe.ts',
      "import type { SwfHeader } from '../collect/swf.js';\nexport type Header = SwfHeader;\n",
    );
    expect(hit).toContain('import-x/no-restricted-paths');
  });

  it('refuses a reader in series or the simulator: they take records, the CLI opens files', async () => {
    for (const stage of ['series', 'sim']) {
      const hit = await rulesHit(
        `src/${stage}/layering-probe.ts`,
        "import { readSwf } from '../collect/swf.js';\nexport const read = readSwf;\n",
      );
      expect(hit, stage).toContain('import-x/no-restricted-paths');
    }
  });

  it('refuses a CLI command reaching into a stage’s internals', async () => {
    const hit = await rulesHit(
      'src/cli/commands/layering-probe.ts',
      "import { holtWinters } from '../../forecast/models/holt-winters.js';\nexport const m = holtWinters;\n",
    );
    expect(hit).toContain('import-x/no-restricted-paths');
  });

  it('accepts upstream imports: the CLI calling the simulator, the simulator using plan and shared', async () => {
    expect(
      await rulesHit(
        'src/cli/commands/layering-probe.ts',
        "import { runPolicy } from '../../sim/run.js';\nimport { readSwf } from '../../collect/swf.js';\nexport const f = [runPolicy, readSwf];\n",
      ),
    ).toEqual([]);
    expect(
      await rulesHit(
        'src/sim/layering-probe.ts',
        "import { noArrivals } from '../plan/index.js';\nimport type { JobRecord } from '../shared/job-record.js';\nexport const a = noArrivals;\nexport type R = JobRecord;\n",
      ),
    ).toEqual([]);
  });

  it('refuses an import cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-lint-'));
    temps.push(dir);
    mkdirSync(join(dir, 'src', 'shared'), { recursive: true });
    writeFileSync(
      join(dir, 'src/shared/a.ts'),
      "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
    );
    writeFileSync(
      join(dir, 'src/shared/b.ts'),
      "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n",
    );
    const [result] = await (await layerLinter(dir)).lintFiles(['src/shared/a.ts']);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });
});
