import { describe, expect, it } from 'vitest';
import { ownedReservationName, type Ownership } from '../../../src/act/ownership.js';
import { planKeyOfReservation } from '../../../src/engine/seams.js';

describe('the engine reads a plan key back from an owned reservation name', () => {
  const ownership: Ownership = { prefix: 'slurmcast-', secret: 'ab'.repeat(16) };

  it('gives back the key the actuator named the reservation after', () => {
    for (const key of ['gpu-h100x2.research', 'cpu-8c.physics', 'a-b-c']) {
      expect(planKeyOfReservation(ownership, ownedReservationName(ownership, key))).toBe(key);
    }
  });

  it('reads no key from a reservation that is not ours, even one with our prefix', () => {
    expect(planKeyOfReservation(ownership, 'slurmcast-gpu-h100x2.research-00000000')).toBeNull();
    expect(planKeyOfReservation(ownership, 'maintenance')).toBeNull();
    const otherInstall: Ownership = { prefix: 'slurmcast-', secret: 'cd'.repeat(16) };
    expect(planKeyOfReservation(ownership, ownedReservationName(otherInstall, 'gpu.research'))).toBeNull();
  });
});
