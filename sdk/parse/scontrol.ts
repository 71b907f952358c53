import { MalformedOutputError } from '../errors.js';
import type { Gres, Node, NodePower, Partition, Reservation } from '../models.js';
import {
  expandHostlist,
  nullIfEmpty,
  parseCount,
  parseEpoch,
  parseGresList,
  parseKeyValueLine,
  parseLimitMinutes,
  parseNameList,
  parseSizeMiB,
  parseTresString,
} from './values.js';

/** `scontrol show node|partition|reservation -o` output, Slurm 22.05: one `Key=Value …` line per object. */

function fail(operation: string, field: string, record: string, detail: string): never {
  throw new MalformedOutputError({ reason: 'garbled', field, record, detail }, { operation });
}

function need(map: Map<string, string>, key: string, operation: string, line: string): string {
  const v = map.get(key);
  return v ?? fail(operation, key, line, 'field missing (truncated output or a different Slurm version)');
}

function countField(map: Map<string, string>, key: string, operation: string, line: string): number {
  const text = need(map, key, operation, line);
  return parseCount(text) ?? fail(operation, key, line, `expected a count, got ${JSON.stringify(text)}`);
}

/** Splits a node state such as `IDLE+CLOUD+POWERED_DOWN` into base state, flags and power flags. */
export function splitNodeState(text: string): { state: string; flags: string[]; power: NodePower } {
  const parts = text.toUpperCase().split('+');
  const state = parts[0] ?? '';
  const flags = parts.slice(1).sort();
  return { state, flags, power: powerOf(flags) };
}

/** Power flags from a flag list (scontrol `+FLAG` or REST `state_flags`). */
export function powerOf(flags: readonly string[]): NodePower {
  return {
    cloud: flags.includes('CLOUD'),
    poweredDown: flags.includes('POWERED_DOWN'),
    poweringUp: flags.includes('POWERING_UP'),
    poweringDown: flags.includes('POWERING_DOWN'),
  };
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('No '));
}

/**
 * Parses `scontrol show node -o`.
 * @throws {MalformedOutputError} naming the field and the record.
 */
export function parseScontrolNodes(stdout: string): Node[] {
  const op = 'ListNodes';
  return lines(stdout).map((line) => {
    const m = parseKeyValueLine(line);
    const name = need(m, 'NodeName', op, line);
    const { state, flags, power } = splitNodeState(need(m, 'State', op, line));
    if (state === '') fail(op, 'State', line, 'empty state');
    const gresText = m.get('Gres') ?? '';
    const gres: Gres[] =
      parseGresList(gresText) ?? fail(op, 'Gres', line, `cannot read ${JSON.stringify(gresText)}`);
    const cpus =
      parseCount(m.get('CPUEfctv') ?? need(m, 'CPUTot', op, line)) ?? fail(op, 'CPUTot', line, 'not a count');
    return {
      name,
      state,
      stateFlags: flags,
      power,
      cpus,
      cpusAllocated: countField(m, 'CPUAlloc', op, line),
      realMemoryMiB: countField(m, 'RealMemory', op, line),
      allocatedMemoryMiB: countField(m, 'AllocMem', op, line),
      gres,
      availableFeatures: parseNameList(m.get('AvailableFeatures')),
      activeFeatures: parseNameList(m.get('ActiveFeatures')),
      partitions: parseNameList(m.get('Partitions')),
      reason: nullIfEmpty(m.get('Reason')?.trim()),
    };
  });
}

/** Parses `scontrol show partition -o`. */
export function parseScontrolPartitions(stdout: string): Partition[] {
  const op = 'ListPartitions';
  return lines(stdout).map((line) => {
    const m = parseKeyValueLine(line);
    const nodes = nullIfEmpty(m.get('Nodes')) ?? '';
    const maxTime = parseLimitMinutes(need(m, 'MaxTime', op, line));
    if (maxTime === undefined) fail(op, 'MaxTime', line, 'not a time limit');
    return {
      name: need(m, 'PartitionName', op, line),
      nodes,
      nodeNames: expandHostlist(nodes) ?? fail(op, 'Nodes', line, 'not a hostlist'),
      state: need(m, 'State', op, line),
      isDefault: m.get('Default') === 'YES',
      totalCpus: countField(m, 'TotalCPUs', op, line),
      totalNodes: countField(m, 'TotalNodes', op, line),
      maxTimeMin: maxTime,
    };
  });
}

/** Parses `scontrol show reservation -o` (with SLURM_TIME_FORMAT=%s). */
export function parseScontrolReservations(stdout: string): Reservation[] {
  const op = 'ListReservations';
  return lines(stdout).map((line) => {
    const m = parseKeyValueLine(line);
    const nodes = nullIfEmpty(m.get('Nodes')) ?? '';
    const start = parseEpoch(need(m, 'StartTime', op, line));
    const end = parseEpoch(need(m, 'EndTime', op, line));
    if (start === undefined) fail(op, 'StartTime', line, 'expected epoch seconds');
    if (end === undefined) fail(op, 'EndTime', line, 'expected epoch seconds');
    const tresText = m.get('TRES') ?? '';
    const flagsText = nullIfEmpty(m.get('Flags'));
    return {
      name: need(m, 'ReservationName', op, line),
      startEpochS: start,
      endEpochS: end,
      nodes,
      nodeNames: expandHostlist(nodes) ?? fail(op, 'Nodes', line, 'not a hostlist'),
      nodeCount: countField(m, 'NodeCnt', op, line),
      coreCount: countField(m, 'CoreCnt', op, line),
      partition: nullIfEmpty(m.get('PartitionName')),
      features: nullIfEmpty(m.get('Features')),
      flags:
        flagsText === null
          ? []
          : flagsText
              .split(',')
              .map((f) => f.toUpperCase())
              .sort(),
      users: parseNameList(m.get('Users')),
      accounts: parseNameList(m.get('Accounts')),
      tres: parseTresString(tresText) ?? fail(op, 'TRES', line, `cannot read ${JSON.stringify(tresText)}`),
    };
  });
}

/** Parses `scontrol ping` ("Slurmctld(primary) at vm is UP"). */
export function parseScontrolPing(stdout: string): { host: string; up: boolean; role: string }[] {
  const out: { host: string; up: boolean; role: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^Slurmctld\((\w+)\) at (\S+) is (UP|DOWN)/.exec(line.trim());
    if (m !== null) out.push({ role: m[1] ?? '', host: m[2] ?? '', up: m[3] === 'UP' });
  }
  if (out.length === 0) fail('Ping', 'status', stdout, 'no "Slurmctld(…) at … is UP|DOWN" line');
  return out;
}

export { parseSizeMiB };
