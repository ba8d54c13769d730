/**
 * SpectatorD's percentile buckets, restated for the tests: the bucket a
 * percentile timer (in nanoseconds) or percentile distribution summary
 * sample falls in, and the tag SpectatorD gives that bucket's counter
 * (`percentile=T00XX` for timers, `D00XX` for distribution summaries, the
 * index in four upper-case hexadecimal digits).
 *
 * The buckets: 1, 2, 3, then for each power of 4 from 4 to 4^30, the power
 * and its steps of a third of it up to 4 times the power minus a third, and
 * last 2^63 - 1: 276 buckets.
 *
 * @module
 */

const INT64_MAX = 2n ** 63n - 1n;

/** Every bucket's value, and the index of each power of 4's first bucket. */
const { bucketValues, powerOf4Index } = (() => {
  const values = [1n, 2n, 3n];
  const powers = [0];
  for (let exponent = 2n; exponent < 64n; exponent += 2n) {
    let current = 1n << exponent;
    const delta = current / 3n;
    const next = BigInt.asIntN(64, current << 2n) - delta; // 4^32 overflows 64 bits: the last power adds none
    powers.push(values.length);
    for (; current < next; current += delta) values.push(current);
  }
  values.push(INT64_MAX);
  return { bucketValues: values, powerOf4Index: powers };
})();

/**
 * The index of the bucket SpectatorD counts `value` in (SpectatorD's `PercentileBucketIndexOf`).
 *
 * @param value a whole number of nanoseconds, or a distribution summary's amount as a 64-bit integer
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentileBucketIndex } from "./percentile_buckets.ts";
 *
 * assert.equal(percentileBucketIndex(3n), 3);
 * assert.equal(percentileBucketIndex(250_000_000n), 0x7a); // a quarter of a second
 * ```
 */
export function percentileBucketIndex(value: bigint): number {
  if (value <= 0n) return 0;
  if (value <= 4n) return Number(value);
  let shift = value.toString(2).length - 1;
  let powerOf4 = 1n << BigInt(shift);
  if (shift % 2 !== 0) {
    shift--;
    powerOf4 >>= 1n;
  }
  const offset = Number((value - powerOf4) / (powerOf4 / 3n));
  const position = offset + powerOf4Index[shift / 2];
  return Math.min(position + 1, bucketValues.length - 1);
}

/**
 * The `percentile` tag of a bucket's counter.
 *
 * @param kind `T` for percentile timers, `D` for percentile distribution summaries
 * @param index the bucket's index
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentileTag } from "./percentile_buckets.ts";
 *
 * assert.equal(percentileTag("T", 0x7a), "T007A");
 * ```
 */
export function percentileTag(kind: "T" | "D", index: number): string {
  return `${kind}${index.toString(16).toUpperCase().padStart(4, "0")}`;
}
