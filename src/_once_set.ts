/**
 * A bounded memory of keys already warned about.
 *
 * @module
 */

/**
 * Remembers keys so that a warning is given once per key, holding at most
 * `capacity` keys (the oldest are forgotten first) so memory stays bounded
 * however many distinct ids an application creates.
 *
 * @example Warn once per id
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { OnceSet } from "./_once_set.ts";
 *
 * const warned = new OnceSet(1000);
 * strictEqual(warned.first("c:a"), true);
 * strictEqual(warned.first("c:a"), false);
 * ```
 */
export class OnceSet {
  readonly #capacity: number;
  readonly #seen = new Set<string>();

  /** @param capacity the most keys remembered at once */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** @returns `true` the first time `key` is seen, `false` after that */
  first(key: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= this.#capacity) {
      this.#seen.delete(this.#seen.values().next().value as string);
    }
    this.#seen.add(key);
    return true;
  }
}
