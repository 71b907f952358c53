import { createHmac } from 'node:crypto';

/**
 * Which reservations Slurmcast owns. Slurm 22.05 keeps no comment on a reservation (`Comment=` is an
 * unknown parameter there, checked on the lab), so the marker lives in the name: the configured prefix,
 * the action's key, and the first 8 hex digits of an HMAC-SHA256 of both under a per-install secret
 * (`<stateDir>/secret`). An admin's `slurmcast-foo` has no valid tag, so it never verifies, and nobody
 * without the secret can make one that does.
 */

/** The ownership marker's inputs: the config's prefix and the install's secret. */
export interface Ownership {
  /** Config `act.reservationPrefix`, e.g. `slurmcast-`. */
  prefix: string;
  /** The per-install key, as read from the state directory (hex). */
  secret: string;
}

const TAG_LENGTH = 8;

/** A key as it may appear in a reservation name: Slurm names and the lab's shells take these as they are. */
function slug(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120);
}

function tag(ownership: Ownership, base: string): string {
  return createHmac('sha256', ownership.secret).update(base).digest('hex').slice(0, TAG_LENGTH);
}

/**
 * The name of the reservation that serves a plan's reservation key: the same key always gives the same
 * name, which is what makes apply idempotent and lets a second run find what a killed one created.
 * @example ownedReservationName({ prefix: 'slurmcast-', secret }, 'gpu-h100x2.research')
 * // 'slurmcast-gpu-h100x2.research-3fa9c01d'
 */
export function ownedReservationName(ownership: Ownership, key: string): string {
  const base = `${ownership.prefix}${slug(key)}`;
  return `${base}-${tag(ownership, base)}`;
}

/** Whether Slurmcast made this reservation: the prefix and a tag only the install's secret gives. */
export function isOwnedReservation(ownership: Ownership, name: string): boolean {
  if (!name.startsWith(ownership.prefix)) return false;
  const cut = name.length - TAG_LENGTH - 1;
  if (cut <= ownership.prefix.length || name[cut] !== '-') return false;
  const base = name.slice(0, cut);
  return name.slice(cut + 1) === tag(ownership, base);
}
