/**
 * Rate limiting of repeated log messages.
 *
 * @module
 */

/**
 * Lets a message through at most once per interval for each key and counts
 * what it held back, so a dead agent produces one log line per interval.
 *
 * @example One report per second, however many failures
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { RateLimiter } from "./_rate_limiter.ts";
 *
 * let now = 0;
 * const limiter = new RateLimiter(1000, () => now);
 * const taken = [limiter.take("send"), limiter.take("send"), limiter.take("send")];
 * now = 1000;
 * taken.push(limiter.take("send"));
 * deepStrictEqual(taken, [0, undefined, undefined, 2]); // let through, held back twice, then through with the count
 * ```
 */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #capacity: number;
  readonly #state = new Map<string, { until: number; suppressed: number }>();

  /**
   * @param intervalMs the shortest time between two messages of one key
   * @param now the clock in milliseconds (injectable for tests)
   * @param capacity the most keys remembered at once: past it, the key seen
   *   first is forgotten, so an explosion of ids cannot grow memory without bound
   */
  constructor(intervalMs: number, now: () => number = Date.now, capacity = 10_000) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#capacity = capacity;
  }

  /**
   * Asks to log a message for `key`.
   *
   * @returns the number of messages held back since the last one let through,
   * or `undefined` when this one must be held back too
   */
  take(key: string): number | undefined {
    const now = this.#now();
    const state = this.#state.get(key);
    if (state === undefined) {
      if (this.#state.size >= this.#capacity) this.#state.delete(this.#state.keys().next().value as string);
      this.#state.set(key, { until: now + this.#intervalMs, suppressed: 0 });
      return 0;
    }
    if (now < state.until) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state.suppressed;
    state.until = now + this.#intervalMs;
    state.suppressed = 0;
    return suppressed;
  }
}
