import { afterAll, describe, expect, it } from 'vitest';
import {
  CreateReservation,
  DeleteReservation,
  ListNodes,
  ListReservations,
  PowerNodes,
  SetNodeFeatures,
  UnsupportedOperationError,
  UpdateReservation,
  RestTransport,
  SlurmClient,
  type Node,
} from '../../../sdk/index.js';
import { loadLab } from '../lab.js';
import { labClients } from './clients.js';

const lab = loadLab();
const clients = labClients(lab);

async function waitForNode(
  client: SlurmClient,
  name: string,
  ok: (n: Node) => boolean,
  timeoutMs: number,
): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = (await client.send(new ListNodes())).find((n) => n.name === name);
    if (node !== undefined && ok(node)) return node;
    if (Date.now() > deadline)
      throw new Error(`node ${name} did not reach the state in time: ${JSON.stringify(node)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

afterAll(async () => {
  for (const c of Object.values(clients)) await c.close();
});

describe('reservations through the SDK', () => {
  it('creates, updates and deletes a reservation with an awkward name, seen alike over every transport', async () => {
    const name = `sdk-r;$(touch /tmp/sdk-pwned-resv)|\`x\`-${process.pid}`;
    const start = Math.floor(Date.now() / 1000) + 7200;
    await clients.ssh.send(
      new CreateReservation({
        name,
        start,
        durationMin: 30,
        nodeCount: 1,
        partition: 'cpu',
        features: 'bigmem',
        accounts: ['research'],
        flags: ['IGNORE_JOBS'],
      }),
    );
    try {
      for (const [k, c] of Object.entries(clients)) {
        const r = (await c.send(new ListReservations())).find((x) => x.name === name);
        expect(r, k).toMatchObject({
          nodeCount: 1,
          accounts: ['research'],
          startEpochS: start,
          endEpochS: start + 1800,
          features: 'bigmem',
        });
      }
      await clients.restJwt.send(
        new UpdateReservation({ name, users: ['root'], accounts: [], durationMin: 45, flagsAdd: ['FLEX'] }),
      );
      await clients.local.send(new UpdateReservation({ name, nodes: ['c3', 'c4'] }));
      const updated = (await clients.restSocket.send(new ListReservations())).find((x) => x.name === name);
      expect(updated).toMatchObject({
        nodeNames: ['c3', 'c4'],
        nodeCount: 2,
        users: ['root'],
        endEpochS: start + 2700,
      });
      expect(updated?.flags).toContain('FLEX');
    } finally {
      await clients.local.send(new DeleteReservation({ name }));
    }
    expect((await clients.local.send(new ListReservations())).some((x) => x.name === name)).toBe(false);
  });

  it('refuses REST writes v0.0.38 lacks when no command transport is configured', async () => {
    const restOnly = new SlurmClient({ transport: new RestTransport({ socketPath: lab.rest.socket }) });
    await expect(restOnly.send(new DeleteReservation({ name: 'whatever' }))).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    await restOnly.close();
  });

  it('a GPU reservation is whole GPU nodes by partition and features', async () => {
    const name = `sdk-gpu-${process.pid}`;
    await clients.local.send(
      new CreateReservation({
        name,
        start: Math.floor(Date.now() / 1000) + 7200,
        durationMin: 10,
        nodeCount: 1,
        partition: 'gpu',
        users: ['root'],
      }),
    );
    try {
      const r = (await clients.restSocket.send(new ListReservations())).find((x) => x.name === name);
      expect(['c1', 'c2']).toContain(r?.nodes);
    } finally {
      await clients.local.send(new DeleteReservation({ name }));
    }
  });
});

describe('node operations through the SDK', () => {
  it('sets active features and restores them', async () => {
    const before = (await clients.local.send(new ListNodes())).find((n) => n.name === 'c4');
    expect(before, 'node c4').toBeDefined();
    const original = { available: before?.availableFeatures ?? [], active: before?.activeFeatures ?? [] };
    await clients.ssh.send(
      new SetNodeFeatures({ nodes: ['c4'], available: ['ib', 'bigmem'], active: ['ib'] }),
    );
    try {
      const changed = (await clients.restJwt.send(new ListNodes())).find((n) => n.name === 'c4');
      expect(changed).toMatchObject({ availableFeatures: ['ib', 'bigmem'], activeFeatures: ['ib'] });
    } finally {
      // Also when the check fails: later tests (and later runs on the same lab) expect c4 as configured.
      await clients.local.send(new SetNodeFeatures({ nodes: ['c4'], ...original }));
    }
    const restored = (await clients.local.send(new ListNodes())).find((n) => n.name === 'c4');
    expect(restored).toMatchObject({
      availableFeatures: original.available,
      activeFeatures: original.active,
    });
  });

  it('powers the cloud node up and back down', async () => {
    const cloud = lab.cloudNodes[0] ?? 'c5';
    await waitForNode(clients.local, cloud, (n) => !n.power.poweringDown && !n.power.poweringUp, 90_000);
    const node = (await clients.local.send(new ListNodes())).find((n) => n.name === cloud);
    if (node?.power.poweredDown !== true) {
      await clients.local.send(new PowerNodes({ nodes: [cloud], mode: 'down-force' }));
      await waitForNode(clients.local, cloud, (n) => n.power.poweredDown && !n.power.poweringDown, 90_000);
    }
    await clients.ssh.send(new PowerNodes({ nodes: [cloud], mode: 'up' }));
    const up = await waitForNode(
      clients.restSocket,
      cloud,
      (n) => !n.power.poweredDown && !n.power.poweringUp,
      60_000,
    );
    expect(up.power.cloud).toBe(true);
    await clients.restJwt.send(new PowerNodes({ nodes: [cloud], mode: 'down' }));
    await waitForNode(clients.local, cloud, (n) => n.power.poweredDown || n.power.poweringDown, 60_000);
  }, 240_000);
});
