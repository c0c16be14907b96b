/**
 * Deterministic "random" choices for random splits. The same seed always yields the same arm, so a
 * replayed workflow or a retried step never moves a customer to another arm. Pure JS: no crypto module.
 */
import { EngineError } from './errors.js';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 0x1_0000_0000;

/** Maps a seed to a number in [0, 1), uniformly: FNV-1a 32-bit over the UTF-8 bytes, then murmur3's finalizer. */
export function hashToUnit(seed: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8Bytes(seed)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  // FNV-1a alone leaves similar seeds ("...:c1", "...:c2") close together; fmix32 spreads them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / TWO_POW_32;
}

/**
 * Whether the customer is in the global holdout of `percent` % (JE_GLOBAL_HOLDOUT_PERCENT): the same
 * customers, whatever the journey, so a held-out customer receives no marketing journey at all and
 * the group stays comparable over time. 0 holds out nobody.
 */
export function inGlobalHoldout(customerId: string, percent: number): boolean {
  return percent > 0 && hashToUnit(`global-holdout:${customerId}`) * 100 < percent;
}

/**
 * Picks an arm key with probability proportional to its weight, sticky per seed
 * (`${journeyVersionId}:${customerId}:${nodeId}`). Throws EngineError(`invalid_weights`) when no arm can win.
 */
export function pickArm(seed: string, arms: { key: string; weight: number }[]): string {
  let total = 0;
  for (const arm of arms) {
    if (typeof arm.weight !== 'number' || !Number.isFinite(arm.weight) || arm.weight < 0) {
      throw new EngineError('invalid_weights', `Arm "${arm.key}" has weight ${String(arm.weight)}; weights must be 0 or more`);
    }
    total += arm.weight;
  }
  if (!(total > 0)) {
    throw new EngineError('invalid_weights', 'A random split needs at least one arm with a weight above 0');
  }
  const point = hashToUnit(seed) * total;
  let cumulative = 0;
  let lastEligible = '';
  for (const arm of arms) {
    if (arm.weight <= 0) continue;
    cumulative += arm.weight;
    lastEligible = arm.key;
    if (point < cumulative) return arm.key;
  }
  // Only reachable through floating-point rounding at the very top of the range.
  return lastEligible;
}

/**
 * A customer's offset within a wait's spread, in [0, spreadMs), whole milliseconds: uniform over
 * customers and fixed per seed (`spread:${journeyVersionId}:${customerId}:${nodeId}`), so a replay
 * or a recomputation lands on the same instant.
 */
export function spreadOffsetMs(seed: string, spreadMs: number): number {
  return spreadMs > 0 ? Math.floor(hashToUnit(seed) * spreadMs) : 0;
}

/** UTF-8 encoding by hand (TextEncoder is not guaranteed everywhere this module runs). */
function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) {
      bytes.push(code);
    } else if (code < 0x800) {
      bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return bytes;
}
