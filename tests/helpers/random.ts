/**
 * Seeded pseudo-random numbers for tests, so that a failure reproduces: a
 * small PRNG and the values built from it (integers, doubles from random bit
 * patterns, picks from a list).
 *
 * @module
 */

/** Returns numbers in [0, 1) from a small deterministic PRNG (mulberry32) seeded with `seed`. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns an integer in [0, `bound`). */
export function randomInt(next: () => number, bound: number): number {
  return Math.floor(next() * bound);
}

/** Returns one element of `items`. */
export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[randomInt(next, items.length)];
}

const bits = new DataView(new ArrayBuffer(8));

/**
 * Returns the double whose 64-bit pattern is random: every exponent is as
 * likely as any other, so subnormals, huge values, NaN and infinities all
 * turn up.
 */
export function randomDouble(next: () => number): number {
  bits.setUint32(0, Math.floor(next() * 2 ** 32));
  bits.setUint32(4, Math.floor(next() * 2 ** 32));
  return bits.getFloat64(0);
}
