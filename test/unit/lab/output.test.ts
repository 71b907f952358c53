import { describe, expect, it } from 'vitest';
import { parseLabUpOutput } from '../../lab/output.js';

describe("reading test/lab/up.sh's stdout", () => {
  it("takes lab.json's path from the line before the SLURMCAST_CONFIG line, which is last", () => {
    expect(parseLabUpOutput('/tmp/l/lab.json\nSLURMCAST_CONFIG=/tmp/l/slurmcast.yaml\n')).toEqual({
      labJson: '/tmp/l/lab.json',
      slurmcastConfig: '/tmp/l/slurmcast.yaml',
    });
  });

  it('refuses output whose last line is not the config (an up.sh from before the config existed)', () => {
    expect(() => parseLabUpOutput('/tmp/l/lab.json\n')).toThrow(/SLURMCAST_CONFIG=<path>/);
  });

  it('refuses a config line with no lab.json path before it', () => {
    expect(() => parseLabUpOutput('SLURMCAST_CONFIG=/tmp/l/slurmcast.yaml\n')).toThrow(/lab\.json/);
  });
});
