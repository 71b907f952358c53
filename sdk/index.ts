/**
 * Slurmcast's Slurm SDK: typed commands sent through `SlurmClient` over a local, ssh or REST
 * transport, all normalising to the same models. See docs/sdk.md.
 */
export { SlurmClient, resolveSlurmClientConfig } from './client.js';
export type { SlurmClientOptions, ResolvedSlurmClientConfig } from './client.js';
export { clientFromConfig, SECRET_ENV_NAME } from './factory.js';
export { diagnose } from './diagnose.js';
export type { DiagnosticCheck } from './diagnose.js';
export type { SlurmConnectionOptions } from './factory.js';
export { SlurmCommand } from './command.js';
export type { CliCall, RestCall, AnySlurmCommand, OutputOf } from './command.js';
export {
  ListJobHistory,
  ListQueue,
  ListNodes,
  ListPartitions,
  ListReservations,
  ListReservationJobs,
  ListAccountingReservations,
  listJobsInReservations,
  Ping,
} from './commands/read.js';
export {
  CreateReservation,
  UpdateReservation,
  DeleteReservation,
  PowerNodes,
  SetNodeFeatures,
} from './commands/write.js';
export * from './errors.js';
export { UnexpectedError } from './unexpected.js';
export * from './models.js';
export type {
  JobHistoryInput,
  QueueInput,
  ReservationJobsInput,
  AccountingReservationsInput,
  CreateReservationInput,
  UpdateReservationInput,
  DeleteReservationInput,
  PowerNodesInput,
  SetNodeFeaturesInput,
  ReservationFlag,
} from './inputs.js';
export type * from './wire.js';
export { SlurmProgram } from './wire.js';
export {
  timeoutMiddleware,
  loggingMiddleware,
  dryRunMiddleware,
  silentLogger,
  describeRequest,
} from './middleware.js';
export type { SlurmLogger } from './middleware.js';
export { Redactor } from './redact.js';
export { LocalTransport } from './transports/local.js';
export type { LocalTransportOptions } from './transports/local.js';
export { INSECURE_HOST_KEY_WARNING, privateKeyProblem, SshTransport } from './transports/ssh.js';
export type { SshTransportOptions } from './transports/ssh.js';
export { RestTransport, tokenFormatProblem } from './transports/rest.js';
export type { RestTransportOptions } from './transports/rest.js';
export { FakeTransport, cliMatch, httpMatch } from './transports/fake.js';
export type { FakeReply } from './transports/fake.js';
export { quoteForPosixShell, remoteInvocation, type RemoteInvocation } from './transports/quote.js';
export {
  parseKnownHosts,
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  knownHostsName,
  type KnownHostEntry,
} from './transports/known-hosts.js';
export type { RestMapping } from './rest/mapping.js';
export { REST_MAPPINGS, SUPPORTED_REST_VERSIONS, versionsInOpenApi } from './rest/versions.js';
export { parseSacct, SACCT_FIELDS, SACCT_DELIMITER } from './parse/sacct.js';
export {
  parseNvidiaSmiXml,
  NvidiaSmiOutputError,
  NvidiaSmiProblem,
  NvidiaSmiLogSchema,
  NvidiaSmiGpuSchema,
  NvidiaSmiProcessSchema,
} from './parse/nvidia-smi.js';
export type { NvidiaSmiLog, NvidiaSmiGpu, NvidiaSmiProcess } from './parse/nvidia-smi.js';
