import { SlurmCommand, type CliCall, type RestCall } from '../command.js';
import {
  CreateReservationInputSchema,
  DeleteReservationInputSchema,
  PowerNodesInputSchema,
  SetNodeFeaturesInputSchema,
  UpdateReservationInputSchema,
  type CreateReservationInput,
  type DeleteReservationInput,
  type PowerNodesInput,
  type SetNodeFeaturesInput,
  type UpdateReservationInput,
} from '../inputs.js';
import type { WriteResult } from '../models.js';
import { SLURM_OUTPUT_ENV } from '../parse/sacct.js';
import type { RestMapping } from '../rest/mapping.js';
import type { CliResponse } from '../wire.js';

/**
 * Writes go through `scontrol` with one `Key=Value` argument per setting: scontrol reads each
 * argument whole, so a value with spaces or shell metacharacters stays one value.
 */

function utc(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 19);
}

function writeCall(operation: string, target: string, args: string[]): CliCall<WriteResult> {
  return {
    request: { protocol: 'cli', program: 'scontrol', args, env: SLURM_OUTPUT_ENV, mutates: true },
    parse: (r: CliResponse) => ({ operation, target, dryRun: r.dryRun === true }),
  };
}

function timeArgs(input: {
  start?: number | 'now' | undefined;
  durationMin?: number | undefined;
  endEpochS?: number | undefined;
}): string[] {
  const args: string[] = [];
  if (input.start !== undefined) args.push(`StartTime=${input.start === 'now' ? 'now' : utc(input.start)}`);
  if (input.durationMin !== undefined) args.push(`Duration=${input.durationMin}`);
  if (input.endEpochS !== undefined) args.push(`EndTime=${utc(input.endEpochS)}`);
  return args;
}

function tresArg(tres: Record<string, number>): string {
  return `TRES=${Object.entries(tres)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}

/**
 * Creates a reservation. Slurm 22.05 refuses GPU TRES in reservations, so the input rejects them: a GPU
 * reservation is one of whole GPU nodes (`nodes`, or `nodeCount` with `partition`/`features`).
 * @example
 * await client.send(new CreateReservation({ name: 'gpu-burst', start: 'now', durationMin: 60,
 *   nodeCount: 1, partition: 'gpu', features: 'a100', accounts: ['research'] }));
 * @throws {InvalidInputError} on invalid input, before anything is sent.
 */
export class CreateReservation extends SlurmCommand<CreateReservationInput, WriteResult> {
  readonly operation = 'CreateReservation';
  constructor(input: CreateReservationInput) {
    super('CreateReservation', CreateReservationInputSchema, input);
  }
  cli(): CliCall<WriteResult> {
    const i = this.input;
    const args = ['create', 'reservation', `ReservationName=${i.name}`, ...timeArgs(i)];
    if (i.nodes !== undefined) args.push(`Nodes=${i.nodes.join(',')}`);
    if (i.nodeCount !== undefined) args.push(`NodeCnt=${i.nodeCount}`);
    if (i.partition !== undefined) args.push(`PartitionName=${i.partition}`);
    if (i.features !== undefined) args.push(`Features=${i.features}`);
    if (i.users !== undefined && i.users.length > 0) args.push(`Users=${i.users.join(',')}`);
    if (i.accounts !== undefined && i.accounts.length > 0) args.push(`Accounts=${i.accounts.join(',')}`);
    if (i.flags !== undefined && i.flags.length > 0) args.push(`Flags=${i.flags.join(',')}`);
    if (i.tres !== undefined) args.push(tresArg(i.tres));
    return writeCall(this.operation, i.name, args);
  }
  rest(api: RestMapping): RestCall<WriteResult> | undefined {
    return api.createReservation?.(this.input);
  }
}

/** Changes a reservation: size, node list (full list), users/accounts, flags, features, times. */
export class UpdateReservation extends SlurmCommand<UpdateReservationInput, WriteResult> {
  readonly operation = 'UpdateReservation';
  constructor(input: UpdateReservationInput) {
    super('UpdateReservation', UpdateReservationInputSchema, input);
  }
  cli(): CliCall<WriteResult> {
    const i = this.input;
    const args = ['update', `ReservationName=${i.name}`, ...timeArgs(i)];
    if (i.nodes !== undefined) args.push(`Nodes=${i.nodes.join(',')}`);
    if (i.nodeCount !== undefined) args.push(`NodeCnt=${i.nodeCount}`);
    if (i.features !== undefined) args.push(`Features=${i.features}`);
    if (i.users !== undefined) args.push(`Users=${i.users.join(',')}`);
    if (i.accounts !== undefined) args.push(`Accounts=${i.accounts.join(',')}`);
    if (i.flagsAdd !== undefined && i.flagsAdd.length > 0) args.push(`Flags+=${i.flagsAdd.join(',')}`);
    if (i.flagsRemove !== undefined && i.flagsRemove.length > 0)
      args.push(`Flags-=${i.flagsRemove.join(',')}`);
    if (i.tres !== undefined) args.push(tresArg(i.tres));
    return writeCall(this.operation, i.name, args);
  }
  rest(api: RestMapping): RestCall<WriteResult> | undefined {
    return api.updateReservation?.(this.input);
  }
}

/** Deletes a reservation. */
export class DeleteReservation extends SlurmCommand<DeleteReservationInput, WriteResult> {
  readonly operation = 'DeleteReservation';
  constructor(input: DeleteReservationInput) {
    super('DeleteReservation', DeleteReservationInputSchema, input);
  }
  cli(): CliCall<WriteResult> {
    return writeCall(this.operation, this.input.name, ['delete', `ReservationName=${this.input.name}`]);
  }
  rest(api: RestMapping): RestCall<WriteResult> | undefined {
    return api.deleteReservation?.(this.input);
  }
}

const POWER_STATE = {
  up: 'POWER_UP',
  down: 'POWER_DOWN',
  'down-force': 'POWER_DOWN_FORCE',
  'down-asap': 'POWER_DOWN_ASAP',
} as const;

/** Powers nodes up or down through Slurm's power saving (ResumeProgram/SuspendProgram). */
export class PowerNodes extends SlurmCommand<PowerNodesInput, WriteResult> {
  readonly operation = 'PowerNodes';
  constructor(input: PowerNodesInput) {
    super('PowerNodes', PowerNodesInputSchema, input);
  }
  cli(): CliCall<WriteResult> {
    const target = this.input.nodes.join(',');
    return writeCall(this.operation, target, [
      'update',
      `NodeName=${target}`,
      `State=${POWER_STATE[this.input.mode]}`,
    ]);
  }
  rest(api: RestMapping): RestCall<WriteResult> | undefined {
    return api.powerNodes?.(this.input);
  }
}

/** Sets nodes' active (and optionally available) features. Lost at `scontrol reconfigure`: re-apply then. */
export class SetNodeFeatures extends SlurmCommand<SetNodeFeaturesInput, WriteResult> {
  readonly operation = 'SetNodeFeatures';
  constructor(input: SetNodeFeaturesInput) {
    super('SetNodeFeatures', SetNodeFeaturesInputSchema, input);
  }
  cli(): CliCall<WriteResult> {
    const target = this.input.nodes.join(',');
    const args = ['update', `NodeName=${target}`];
    if (this.input.available !== undefined) args.push(`AvailableFeatures=${this.input.available.join(',')}`);
    args.push(`ActiveFeatures=${this.input.active.join(',')}`);
    return writeCall(this.operation, target, args);
  }
  rest(api: RestMapping): RestCall<WriteResult> | undefined {
    return api.setNodeFeatures?.(this.input);
  }
}
