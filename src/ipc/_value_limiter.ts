/**
 * A bound on the distinct values of one tag, so that a tag fed from request
 * data (an endpoint function, an error's class) cannot explode the number of
 * time series.
 *
 * @module
 */

/** The value that stands for every value past the limit (the same as the Java reference's). */
export const OTHERS = "--others--";

/**
 * Passes through the first `limit` distinct values it sees and maps every
 * later new value to {@linkcode OTHERS}. Values already admitted stay
 * admitted.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ValueLimiter } from "./_value_limiter.ts";
 *
 * const limiter = new ValueLimiter(1);
 * strictEqual(limiter.limit("a"), "a");
 * strictEqual(limiter.limit("b"), "--others--");
 * strictEqual(limiter.limit("a"), "a");
 * ```
 */
export class ValueLimiter {
  readonly #limit: number;
  readonly #admitted = new Set<string>();

  /** @param limit the most distinct values passed through */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * @param value a tag value
   * @returns `value` if it is (or now becomes) one of the admitted values, else {@linkcode OTHERS}
   */
  limit(value: string): string {
    if (this.#admitted.has(value)) return value;
    if (this.#admitted.size >= this.#limit) return OTHERS;
    this.#admitted.add(value);
    return value;
  }
}
