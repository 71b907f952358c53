/**
 * What `test/lab/up.sh` prints on stdout: the path of lab.json, then `SLURMCAST_CONFIG=<path>` of the
 * Slurmcast config it wrote for the lab as the last line. The vitest global setup and the stress
 * runner both read it here, so the two cannot drift apart.
 */

/** Prefix of up.sh's last stdout line. */
export const SLURMCAST_CONFIG_PREFIX = 'SLURMCAST_CONFIG=';

/** The two paths up.sh reports. */
export interface LabUpOutput {
  readonly labJson: string;
  readonly slurmcastConfig: string;
}

/**
 * Reads up.sh's stdout.
 * @throws {Error} naming what is missing when the output is not lab.json's path followed by the config line.
 * @example parseLabUpOutput('/tmp/lab/lab.json\nSLURMCAST_CONFIG=/tmp/lab/slurmcast.yaml\n')
 */
export function parseLabUpOutput(stdout: string): LabUpOutput {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const last = lines.at(-1);
  const labJson = lines.at(-2);
  if (last === undefined || !last.startsWith(SLURMCAST_CONFIG_PREFIX)) {
    throw new Error(
      `test/lab/up.sh did not end its output with ${SLURMCAST_CONFIG_PREFIX}<path> (got ${JSON.stringify(stdout)}); is the script from this checkout?`,
    );
  }
  const slurmcastConfig = last.slice(SLURMCAST_CONFIG_PREFIX.length);
  if (labJson === undefined || !labJson.startsWith('/') || !slurmcastConfig.startsWith('/')) {
    throw new Error(
      `test/lab/up.sh printed no absolute lab.json path before ${SLURMCAST_CONFIG_PREFIX} (got ${JSON.stringify(stdout)})`,
    );
  }
  return { labJson, slurmcastConfig };
}
