/**
 * The registry's bounded cache of meters, so that making a meter by name and
 * tags on every request does not sanitize and sort its id every time.
 *
 * @module
 */

import type { Meter } from "./meters/meter.ts";

/**
 * Maps (meter type, name, tags) to a meter, holding at most `capacity`
 * meters and evicting the least recently used, so a cardinality explosion
 * cannot grow memory without bound. Keys use the tags in the order given:
 * the same tags in another order are another key for the same meter, which
 * costs a second entry, never a wrong meter.
 *
 * @example
 * ```ts
 * import { Counter, MeterCache, MeterId } from "@spectator/client";
 *
 * const cache = new MeterCache(1000);
 * const key = cache.key("c", "requests", { status: "200" });
 * const counter = (cache.get(key) as Counter | undefined) ?? cache.set(key, new Counter(new MeterId("requests", { status: "200" })));
 * cache.get(key) === counter; // true
 * ```
 */
export class MeterCache {
  readonly #capacity: number;
  readonly #meters = new Map<string, Meter>();

  /**
   * Creates an empty cache.
   *
   * @param capacity the most meters kept; 0 disables caching
   */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Returns how many meters are cached. */
  get size(): number {
    return this.#meters.size;
  }

  /**
   * Returns the key of (`type`, `name`, `tags`), or `undefined` when caching
   * is off or a name or tag value is not a string (such meters are never cached).
   *
   * @param type the meter type, including options such as a gauge TTL (e.g. `g,120`)
   * @param name the meter name as given
   * @param tags the tags as given
   */
  key(type: string, name: string, tags: Record<string, string> | undefined): string | undefined {
    return this.#capacity > 0 ? cacheKey(type, name, tags) : undefined;
  }

  /**
   * Returns the meter cached under `key` and marks it most recently used.
   *
   * @param key from {@linkcode key}
   */
  get(key: string | undefined): Meter | undefined {
    if (key === undefined) return undefined;
    const meters = this.#meters;
    const meter = meters.get(key);
    if (meter === undefined) return undefined;
    // Re-inserting moves the key to the end: the first key is always the least recently used.
    meters.delete(key);
    meters.set(key, meter);
    return meter;
  }

  /**
   * Caches `meter` under `key` (evicting the least recently used meter when
   * full) and returns it; with an `undefined` key it only returns it.
   *
   * @param key from {@linkcode key}
   * @param meter the meter made for that key
   */
  set<M extends Meter>(key: string | undefined, meter: M): M {
    if (key === undefined) return meter;
    const meters = this.#meters;
    if (meters.size >= this.#capacity) meters.delete(meters.keys().next().value as string);
    meters.set(key, meter);
    return meter;
  }
}

/**
 * A key no two different (type, name, tags) share: each part is preceded by
 * its length, so no character inside a name or tag can fake a boundary.
 * `undefined` when a part is not a string.
 */
function cacheKey(type: string, name: unknown, tags: Record<string, unknown> | undefined): string | undefined {
  if (typeof name !== "string") return undefined;
  let key = `${type}:${name.length}:${name}`;
  if (tags === undefined) return key;
  if (tags === null || typeof tags !== "object") return undefined;
  for (const tag in tags) {
    const value = tags[tag];
    if (typeof value !== "string") return undefined;
    key += `${tag.length}:${tag}${value.length}:${value}`;
  }
  return key;
}
