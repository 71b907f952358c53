import { z } from 'zod';
import { Params, rangeText, type ParamName, type ParamSpec } from './params.js';
import { LogLevels } from '../shared/logger.js';
import { isInstant, parseInstantOrNaN } from '../shared/time.js';

/**
 * The configuration file's schema: the single source of truth for what a config may hold, its
 * defaults and its documentation (`docs/config.md` is generated from the descriptions here: `npm run docs:config`).
 * Objects are strict so that a misspelt key is an error that names it, not a silently ignored line.
 */

const SshSchema = z
  .strictObject({
    host: z.string().min(1).describe('Host running the Slurm client commands'),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    privateKeyPath: z.string().optional().describe('Private key file; omit to use the ssh agent'),
    passphraseEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional()
      .describe(
        'Environment variable holding the private key passphrase (never put the passphrase in the file)',
      ),
    agent: z.string().optional().describe('ssh-agent socket; defaults to $SSH_AUTH_SOCK'),
    knownHostsPath: z.string().default('~/.ssh/known_hosts'),
    insecureSkipHostKeyCheck: z
      .boolean()
      .default(false)
      .describe('Accept any host key. Unsafe: allows a man in the middle; only for throwaway test hosts'),
  })
  .describe('ssh transport (node-ssh)');

const RestSchema = z
  .strictObject({
    url: z.string().url().optional().describe('slurmrestd base URL, e.g. http://head:6820 (JWT auth)'),
    socket: z.string().optional().describe('slurmrestd unix socket (auth/local)'),
    apiVersion: z
      .string()
      .regex(/^v0\.0\.\d+$/)
      .default('v0.0.38'),
    user: z.string().optional().describe('X-SLURM-USER-NAME for JWT auth'),
    tokenEnv: z.string().default('SLURM_JWT').describe('Environment variable holding the JWT'),
    tokenFile: z.string().optional().describe('File holding the JWT (read at each request, never logged)'),
    writesVia: z
      .enum(['none', 'local', 'ssh'])
      .default('none')
      .describe(
        'Where writes go that this REST API version lacks (v0.0.38: reservations, node updates): scontrol over local or ssh; none = refuse them',
      ),
  })
  .refine((r) => (r.url === undefined) !== (r.socket === undefined), {
    message: 'give exactly one of slurm.rest.url or slurm.rest.socket',
  })
  .describe('REST transport (slurmrestd)');

export const SlurmConfigSchema = z
  .strictObject({
    transport: z.enum(['local', 'ssh', 'rest']).default('local'),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Environment for Slurm commands, e.g. { SLURM_CONF: /etc/slurm/slurm.conf }'),
    timeoutS: z.number().positive().default(30).describe('Per-command timeout'),
    outputLimitBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024)
      .describe(
        'Largest command output or REST response accepted; larger is an error, not a truncated result',
      ),
    ssh: SshSchema.optional(),
    rest: RestSchema.optional(),
  })
  .superRefine((slurm, ctx) => {
    // The section the chosen transport needs must be there, so `doctor` is not the first to notice.
    if (slurm.transport === 'ssh' && slurm.ssh === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssh'],
        message: 'transport is ssh: give slurm.ssh (host, username, …)',
      });
    }
    if (slurm.transport === 'rest' && slurm.rest === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rest'],
        message: 'transport is rest: give slurm.rest (socket or url)',
      });
    }
    if (slurm.rest?.writesVia === 'ssh' && slurm.ssh === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'rest.writesVia is ssh: give slurm.ssh' });
    }
  });

const InfluxSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('InfluxDB 1.x host'),
    port: z.number().int().min(1).max(65535).default(8086).describe('InfluxDB HTTP port'),
    database: z
      .string()
      .min(1)
      .default('slurmcast')
      .describe('Database; created on first use when the user may'),
    username: z.string().optional().describe('User; omit when InfluxDB runs without authentication'),
    passwordEnv: z
      .string()
      .default('INFLUX_PASSWORD')
      .describe('Environment variable holding the password (never put the password in the file)'),
    timeoutS: z
      .number()
      .positive()
      .default(10)
      .describe('Per-request timeout; a slower server counts as down'),
    movedJobLookbackS: z
      .number()
      .nonnegative()
      .default(14 * 86_400)
      .describe(
        'How far back to look for an older point of a job whose partition, account or submit time changed',
      ),
  })
  .describe('InfluxDB 1.x server store (used when store.kind is influx)');

export const StoreConfigSchema = z
  .strictObject({
    kind: z
      .enum(['embedded', 'influx'])
      .default('embedded')
      .describe('embedded: one local SQLite file (no server); influx: an InfluxDB 1.x server'),
    path: z.string().min(1).default('.slurmcast/history.db').describe('Embedded store file'),
    spoolDir: z
      .string()
      .min(1)
      .default('.slurmcast/spool')
      .describe(
        'Durable spool for writes the server could not take, replayed on the next run; also holds run locks',
      ),
    influx: InfluxSchema.optional().describe('Server settings; required when kind is influx'),
  })
  .refine((s) => s.kind !== 'influx' || s.influx !== undefined, {
    message: 'store.kind is influx: give store.influx (host, port, database)',
    path: ['influx'],
  })
  .describe('Where job history, snapshots and watermarks are kept (docs/store.md)');

/** A config number whose default and range come from the parameter table (`params.ts`). */
function paramNumber(name: ParamName): z.ZodDefault<z.ZodNumber> {
  const spec: ParamSpec = Params[name];
  let schema = z.number();
  schema = spec.minOpen ? schema.gt(spec.min) : schema.gte(spec.min);
  schema = spec.maxOpen ? schema.lt(spec.max) : schema.lte(spec.max);
  if (spec.integer) schema = schema.int();
  return schema
    .default(spec.default ?? spec.min)
    .describe(`${spec.description.replace(/ \(config .*\)$/, '')}; ${rangeText(name)}`);
}

export const CostsConfigSchema = z.strictObject({
  idleNodeHour: paramNumber('idleNodeHour'),
  waitingJobHour: paramNumber('waitingJobHour'),
});

const PlanNodeTypeSchema = z
  .strictObject({
    pricePerNodeHour: z
      .number()
      .finite()
      .nonnegative()
      .optional()
      .describe('Cost of one powered node-hour of this type; omit for plan.defaultPricePerNodeHour'),
    bootS: z
      .number()
      .int()
      .nonnegative()
      .max(Params.bootS.max)
      .optional()
      .describe(
        "Seconds from power-up to taking jobs (Slurm's ResumeTimeout bounds it); omit for plan.defaultBootS",
      ),
  })
  .describe('One node type, by the name `slurmcast plan` prints (e.g. gpu-h100x2, cpu-64c)');

/** An ISO 8601 instant as the CLI reads them (UTC unless it has an offset). */
const instantText = z
  .string()
  .refine((t) => isInstant(t), { message: 'expected an ISO 8601 instant such as 2025-03-01T08:00:00Z' });

const CalendarEventSchema = z
  .strictObject({
    name: z.string().min(1).describe('What it is, as plans and logs name it'),
    kind: z
      .enum(['maintenance', 'campaign'])
      .describe(
        'maintenance: the pools are down (nothing planned, its hours not learnt from); campaign: a known burst',
      ),
    from: instantText.describe('Start (ISO 8601)'),
    to: instantText.describe('End, exclusive (ISO 8601)'),
    pools: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Pools it applies to, as `slurmcast series` names them; omit for every pool'),
    factor: z
      .number()
      .gt(0)
      .max(100)
      .optional()
      .describe('campaign: the factor on the forecast over the window (required for a campaign)'),
  })
  .refine((e) => parseInstantOrNaN(e.from) < parseInstantOrNaN(e.to), {
    message: 'to must be after from',
    path: ['to'],
  })
  .refine((e) => (e.kind === 'campaign') === (e.factor !== undefined), {
    message: 'a campaign needs a factor, and only a campaign has one',
    path: ['factor'],
  });

export const ShadowConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Plan shadow reservations for the users or accounts forecast to submit soon (dry-run still applies)',
      ),
    by: z
      .array(z.enum(['user', 'account']))
      .min(1)
      .default(['user'])
      .describe('Whose sessions get shadow reservations: users, accounts or both'),
    minProbability: paramNumber('shadowMinProbability'),
    leadS: paramNumber('shadowLeadS'),
    holdS: paramNumber('shadowHoldS'),
    reclaimAfterS: paramNumber('shadowReclaimAfterS'),
    maxNodesPerReservation: paramNumber('shadowMaxNodesPerReservation'),
    maxNodes: paramNumber('shadowMaxNodes'),
    warmupScript: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'Batch script run as the first job in each new shadow reservation, on all its nodes (pull the image, load modules, stage data); null: none',
      ),
  })
  .describe(
    'Warm shadow reservations for forecast sessions (docs/planning.md#shadow-reservations); confidence threshold: plan.minForecastConfidence',
  );

export const PlanConfigSchema = z
  .strictObject({
    nodeTypes: z
      .record(z.string().min(1), PlanNodeTypeSchema)
      .default({})
      .describe('Price and boot time per node type; types not named here take the defaults below'),
    defaultBootS: paramNumber('bootS'),
    defaultPricePerNodeHour: paramNumber('pricePerNodeHour'),
    accounts: z
      .array(
        z.strictObject({
          account: z.string().min(1),
          maxNodes: z.number().int().nonnegative().describe('Most nodes reserved for the account at once'),
          priority: z.number().int().default(0).describe('Higher wins when accounts compete for nodes'),
        }),
      )
      .default([])
      .describe('Accounts that may get reservations; an account not listed never gets one'),
    reservationShareThreshold: paramNumber('reservationShareThreshold'),
    minForecastConfidence: paramNumber('minForecastConfidence'),
    shadow: ShadowConfigSchema.prefault({}),
    calendar: z
      .array(CalendarEventSchema)
      .default([])
      .describe('Scheduled events the forecast cannot know: maintenance windows and announced campaigns'),
  })
  .describe('The planner: node-type prices and boot times, reservation caps per account (docs/planning.md)');

export const LogConfigSchema = z
  .strictObject({
    level: z
      .enum(LogLevels)
      .default('warn')
      .describe('Least severe level written; $SLURMCAST_LOG_LEVEL overrides it'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Append the log (JSON lines) to this file instead of stderr; $SLURMCAST_LOG_FILE overrides it',
      ),
  })
  .describe(
    'The structured log of long work (imports, collect runs): progress and warnings, secrets redacted',
  );

/**
 * The actuator (`slurmcast apply`, `revert`, and the engine's apply step): where it keeps its state,
 * how it names what it owns, and how much it may change per cycle. These defaults are the only ones:
 * `resolveActConfig` in src/act reads them from here.
 */
export const ActConfigSchema = z
  .strictObject({
    stateDir: z
      .string()
      .min(1)
      .default('.slurmcast/act')
      .describe(
        'Holds the ownership key (secret, 0600), the ledger of node changes and, by default, the audit log',
      ),
    auditLog: z
      .string()
      .min(1)
      .optional()
      .describe('Audit log (JSON lines, appended); defaults to <stateDir>/audit.jsonl'),
    reservationPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'letters, digits, _ . -, starting with a letter')
      .max(64)
      .default('slurmcast-')
      .describe('Start of every reservation name Slurmcast creates (the name also ends in a keyed hash)'),
    maxNodesPoweredPerCycle: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(4)
      .describe('Power-ups sent per cycle at most; 0..100000'),
    maxReservationChangesPerCycle: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(5)
      .describe('Reservation creates and updates per cycle at most (releases are never capped); 0..100000'),
    maxPartitionShareReserved: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Largest share of a partition's nodes held by Slurmcast's reservations; 0..1"),
  })
  .describe('The actuator: ownership, state, audit log and per-cycle caps (docs/acting.md)');

/** The demand series the engine may size a pool by: GPUs, CPUs or whole nodes. */
export const EngineSeriesNames = ['demand_gpu', 'demand_cpu', 'demand_nodes'] as const;

export const EngineConfigSchema = z
  .strictObject({
    stateDir: z
      .string()
      .min(1)
      .default('.slurmcast/engine')
      .describe(
        'Directory of the engine state: cooldowns, the last cycle, the model caches (forecasts; jobs of SWF or InfluxDB) and the run lock',
      ),
    pools: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('The pool as `slurmcast series` prints it, e.g. gpu/h100'),
          series: z
            .enum(EngineSeriesNames)
            .optional()
            .describe('Series that sizes it; default demand_gpu for a GPU pool, else demand_cpu'),
        }),
      )
      .default([])
      .describe('Pools the engine forecasts and plans for; none means the engine plans nothing'),
    refitEveryS: paramNumber('refitEveryS'),
    cooldownS: paramNumber('cooldownS'),
    idleCyclesToShrink: paramNumber('idleCyclesToShrink'),
    idleThreshold: paramNumber('idleThreshold'),
    fullThreshold: paramNumber('fullThreshold'),
    lockWaitS: paramNumber('lockWaitS'),
    horizonS: paramNumber('horizonS'),
    stepS: paramNumber('engineStepS'),
  })
  .refine((e) => e.idleThreshold < e.fullThreshold, {
    message: 'engine.idleThreshold must be below engine.fullThreshold',
    path: ['idleThreshold'],
  })
  .describe('The adjust cycle (`slurmcast adjust`, `slurmcast plan`; docs/admin.md)');

export const ConfigSchema = z.strictObject({
  cluster: z.string().min(1).default('cluster').describe('Name used to label collected records'),
  timeZone: z.string().default('UTC').describe('IANA time zone of the cluster, for calendar features'),
  slurm: SlurmConfigSchema.prefault({}),
  store: StoreConfigSchema.prefault({}),
  costs: CostsConfigSchema.prefault({}),
  plan: PlanConfigSchema.prefault({}),
  log: LogConfigSchema.prefault({}),
  act: ActConfigSchema.prefault({}),
  engine: EngineConfigSchema.prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type SlurmConfig = z.infer<typeof SlurmConfigSchema>;
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
export type EngineConfig = z.infer<typeof EngineConfigSchema>;
export type ActConfig = z.infer<typeof ActConfigSchema>;
export type PlanConfig = z.infer<typeof PlanConfigSchema>;
