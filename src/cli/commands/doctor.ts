import type { CommandModule } from 'yargs';
import type { DiagnosticCheck } from '../../../sdk/index.js';
import { configFor, ExitCode, output, slurmClientFor, table, type GlobalArgs } from '../context.js';

/** `slurmcast doctor`: checks the configured Slurm transport end to end and says how to fix what fails. */
export const doctorCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'doctor',
  describe:
    'Check the configured Slurm connection end to end (reach, auth, host key, slurmctld, sacct, nodes, REST version)',
  handler: async (args) => {
    const config = await configFor(args);
    const { diagnose } = await import('../../../sdk/index.js');
    const client = await slurmClientFor(config);
    let checks: DiagnosticCheck[];
    try {
      checks = await diagnose(client, { nowEpochS: Math.floor(Date.now() / 1000) });
    } finally {
      await client.close();
    }
    const ok = checks.every((c) => c.ok);
    output(args, { transport: config.slurm.transport, ok, checks }, () =>
      [
        `transport: ${config.slurm.transport}`,
        table(
          ['check', 'result', 'detail'],
          checks.map((c) => [c.name, c.ok ? 'ok' : c.skipped === true ? 'skipped' : 'FAILED', c.detail]),
        ),
        ...checks.filter((c) => c.fix !== undefined).map((c) => `\n${c.name}: ${c.fix ?? ''}`),
      ].join('\n'),
    );
    process.exitCode = ok ? ExitCode.ok : ExitCode.failure;
  },
};
