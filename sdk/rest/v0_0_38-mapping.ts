import type { RestCall } from '../command.js';
import type { JobHistoryInput, ReservationJobsInput } from '../inputs.js';
import type { WireRequest } from '../wire.js';
import type { RestMapping } from './mapping.js';
import {
  jobRecordsFromDb,
  nodesFromRest,
  partitionsFromRest,
  pingFromRest,
  queueJobsFromJobInfo,
  reservationJobsFromDb,
  reservationsFromRest,
} from './v0_0_38.js';

/** slurmdb takes `YYYY-MM-DDTHH:MM:SS` in slurmrestd's time zone; run it with TZ=UTC for exact windows. */
function dbTime(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 19);
}

function get<O>(path: string, parse: (body: string) => O, query?: Record<string, string>): RestCall<O> {
  const request: WireRequest & { protocol: 'http' } =
    query === undefined
      ? { protocol: 'http', method: 'GET', path, mutates: false }
      : { protocol: 'http', method: 'GET', path, query, mutates: false };
  return { request, parse: (response) => parse(response.body) };
}

/**
 * OpenAPI v0.0.38, served by Slurm 22.05. It has no reservation create/update/delete, no node update
 * and no accounting reservations (slurmdb lists none), so those members are absent.
 */
export const restV0038: RestMapping = {
  version: 'v0.0.38',
  servedBy: 'Slurm 22.05',
  jobHistory(input: JobHistoryInput) {
    const query: Record<string, string> = { start_time: dbTime(input.startEpochS) };
    if (input.endEpochS !== undefined) query['end_time'] = dbTime(input.endEpochS);
    if (input.users !== undefined && input.users.length > 0) query['users'] = input.users.join(',');
    if (input.accounts !== undefined && input.accounts.length > 0)
      query['account'] = input.accounts.join(',');
    if (input.partitions !== undefined && input.partitions.length > 0)
      query['partition'] = input.partitions.join(',');
    if (input.jobIds !== undefined && input.jobIds.length > 0) query['step'] = input.jobIds.join(',');
    if (input.states !== undefined && input.states.length > 0) query['state'] = input.states.join(',');
    return get('/slurmdb/v0.0.38/jobs', jobRecordsFromDb, query);
  },
  queue: () => get('/slurm/v0.0.38/jobs', (body) => queueJobsFromJobInfo(body)),
  nodes: () => get('/slurm/v0.0.38/nodes', nodesFromRest),
  partitions: () => get('/slurm/v0.0.38/partitions', partitionsFromRest),
  reservations: () => get('/slurm/v0.0.38/reservations', reservationsFromRest),
  reservationJobs(input: ReservationJobsInput) {
    // The `reservation` parameter is accepted and ignored by v0.0.38: the ids are matched on our side.
    const query: Record<string, string> = { start_time: dbTime(input.startEpochS) };
    if (input.endEpochS !== undefined) query['end_time'] = dbTime(input.endEpochS);
    const ids = new Set(input.reservationIds);
    return get('/slurmdb/v0.0.38/jobs', (body) => reservationJobsFromDb(body, ids), query);
  },
  ping: () => get('/slurm/v0.0.38/ping', pingFromRest),
};
