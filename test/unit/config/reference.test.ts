import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferencePage } from '../../../src/config/reference.js';
import { ConfigSchema } from '../../../src/config/schema.js';

/**
 * A Markdown page as comparable lines: table rows as their trimmed cells (the formatter pads them),
 * separator rows dropped, other lines as they are.
 */
function normalised(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line.startsWith('|')
        ? line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((c) => c.trim())
        : [line],
    );
}

describe('docs/config.md', () => {
  it('is the config reference rendered from the schema (run `npm run docs:config` after changing it)', () => {
    expect(normalised(readFileSync('docs/config.md', 'utf8'))).toEqual(normalised(configReferencePage()));
  });

  it('lists every key of every section with its type and default', () => {
    const page = configReferencePage();
    for (const section of Object.keys(ConfigSchema.shape)) expect(page).toContain(`| \`${section}\` |`);
    expect(page).toContain('| `engine.stateDir` | string | `".slurmcast/engine"` |');
    expect(page).toContain('| `engine.cooldownS` | whole number | `1800` |');
    expect(page).toContain('| `engine.pools[].name` | string | (required) |');
    expect(page).toContain('| `slurm.transport` | `local` \\| `ssh` \\| `rest` | `"local"` |');
  });
});
