import { z } from 'zod';

/**
 * The ledger: the node changes Slurmcast made and may therefore undo. Slurm keeps no owner on a node's
 * power state or features, so this file (in the state directory) is the only proof of what is ours;
 * a node not in it is never powered down or given its features back. Reservations carry their own
 * marker (see ownership.ts); they are listed here too so that `revert <action-id>` finds them.
 */

const Instant = z.number().finite();

export const LedgerSchema = z.strictObject({
  version: z.literal(1),
  /** Nodes Slurmcast powered up, by node name. */
  poweredUp: z.record(z.string(), z.strictObject({ actionId: z.string(), atS: Instant })),
  /** Nodes whose active features Slurmcast set: what they had before and what it set. */
  features: z.record(
    z.string(),
    z.strictObject({
      actionId: z.string(),
      atS: Instant,
      original: z.array(z.string()),
      set: z.array(z.string()),
    }),
  ),
  /** Reservations Slurmcast created, by name. */
  reservations: z.record(z.string(), z.strictObject({ actionId: z.string(), key: z.string(), atS: Instant })),
});
export type Ledger = z.infer<typeof LedgerSchema>;

/** A ledger with nothing in it: the state before Slurmcast ever acted. */
export function emptyLedger(): Ledger {
  return { version: 1, poweredUp: {}, features: {}, reservations: {} };
}

/** What an applied operation changes in the ledger. */
export type LedgerEffect =
  | { type: 'powered-up'; node: string }
  | { type: 'powered-down'; node: string }
  | { type: 'features-set'; node: string; original: string[]; set: string[] }
  | { type: 'features-restored'; node: string }
  | { type: 'reservation-created'; name: string; key: string }
  | { type: 'reservation-deleted'; name: string }
  | { type: 'none' };

/** The ledger after one effect (a new object; the input is left as it was). */
export function withEffect(ledger: Ledger, effect: LedgerEffect, actionId: string, atS: number): Ledger {
  const next: Ledger = {
    version: 1,
    poweredUp: { ...ledger.poweredUp },
    features: { ...ledger.features },
    reservations: { ...ledger.reservations },
  };
  switch (effect.type) {
    case 'powered-up':
      next.poweredUp[effect.node] = { actionId, atS };
      break;
    case 'powered-down':
      delete next.poweredUp[effect.node];
      break;
    case 'features-set':
      // The first original is the one to give back: a node set twice keeps what it had before Slurmcast.
      next.features[effect.node] = {
        actionId,
        atS,
        original: ledger.features[effect.node]?.original ?? effect.original,
        set: effect.set,
      };
      break;
    case 'features-restored':
      delete next.features[effect.node];
      break;
    case 'reservation-created':
      next.reservations[effect.name] = { actionId, key: effect.key, atS };
      break;
    case 'reservation-deleted':
      delete next.reservations[effect.name];
      break;
    case 'none':
      break;
  }
  return next;
}
