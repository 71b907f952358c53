import type { RestCall } from '../command.js';
import type {
  AccountingReservation,
  JobRecord,
  Node,
  Partition,
  PingResult,
  QueueJob,
  Reservation,
  ReservationJob,
  WriteResult,
} from '../models.js';
import type {
  AccountingReservationsInput,
  CreateReservationInput,
  DeleteReservationInput,
  JobHistoryInput,
  PowerNodesInput,
  ReservationJobsInput,
  SetNodeFeaturesInput,
  UpdateReservationInput,
} from '../inputs.js';

/**
 * How one slurmrestd OpenAPI version expresses each operation. A new Slurm release is supported by
 * adding one object implementing this interface (see `rest/v0_0_38-mapping.ts`) and registering it
 * in `rest/versions.ts`. Optional members are operations that version does not offer; the client
 * then routes the command to the configured command transport or raises `UnsupportedOperationError`.
 */
export interface RestMapping {
  /** `v0.0.38`, …: the path segment this mapping speaks. */
  readonly version: string;
  /** Slurm releases that serve this version, for messages. */
  readonly servedBy: string;
  jobHistory(input: JobHistoryInput): RestCall<JobRecord[]>;
  queue(): RestCall<QueueJob[]>;
  nodes(): RestCall<Node[]>;
  partitions(): RestCall<Partition[]>;
  reservations(): RestCall<Reservation[]>;
  /** Jobs of the given reservation ids in a window (from accounting). */
  reservationJobs(input: ReservationJobsInput): RestCall<ReservationJob[]>;
  /** Reservations as accounting keeps them; v0.0.38 has no such endpoint. */
  accountingReservations?(input: AccountingReservationsInput): RestCall<AccountingReservation[]>;
  ping(): RestCall<PingResult>;
  createReservation?(input: CreateReservationInput): RestCall<WriteResult>;
  updateReservation?(input: UpdateReservationInput): RestCall<WriteResult>;
  deleteReservation?(input: DeleteReservationInput): RestCall<WriteResult>;
  powerNodes?(input: PowerNodesInput): RestCall<WriteResult>;
  setNodeFeatures?(input: SetNodeFeaturesInput): RestCall<WriteResult>;
}

/** Why a mapping lacks an operation, for `UnsupportedOperationError`. */
export function missingWriteReason(api: RestMapping, what: string): string {
  return `slurmrestd API ${api.version} (${api.servedBy}) has no ${what} endpoint; configure slurm.rest.writesVia (local or ssh) so such writes go through scontrol, or use the local/ssh transport`;
}
