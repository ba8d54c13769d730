/**
 * The registry's bounded cache of meters, so that making a meter by name and
 * tags on every request does not sanitize and sort its id every time.
 *
 * @module
 */

import { tagValueText } from "./meter_id.ts";
import type { Meter } from "./meters/meter.ts";

/**
 * One step of a cached path: the meter symbol, the name, then each tag key and
 * its value in the order given. A node that ends a path holds a meter.
 */
class PathNode {
  readonly children = new Map<string, PathNode>();
  meter: Meter | undefined;
  /** The cache's lookup count at the meter's last use. */
  used = 0;

  constructor(readonly parent: PathNode | undefined, readonly key: string) {}
}

/**
 * Maps (meter symbol, name, tags) to a meter, holding at most `capacity`
 * meters and evicting the least recently used, so a cardinality explosion
 * cannot grow memory without bound.
 *
 * Lookups walk a tree of maps, one level per part (symbol, name, each tag key
 * and value as given), so no key string is built per call. The same tags in
 * another order take another path to an equal meter: a second entry, never a
 * wrong meter. Tag values are cached as the id writes them (`200` as
 * `"200"`); names that are not strings, non-string tag values an id drops, and tag objects
 * that are not plain objects are never cached.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Counter, MeterId } from "@spectator/client";
 * import { MeterCache } from "./_meter_cache.ts";
 *
 * const cache = new MeterCache(1000);
 * const tags = { status: "200" };
 * const counter = (cache.get("c", "requests", tags) as Counter | undefined) ??
 *   cache.set("c", "requests", tags, new Counter(new MeterId("requests", tags)));
 * strictEqual(cache.get("c", "requests", { status: "200" }), counter);
 * ```
 */
export class MeterCache {
  readonly #capacity: number;
  readonly #root = new PathNode(undefined, "");
  /** The nodes that hold a meter. */
  readonly #leaves = new Set<PathNode>();
  /** Counts uses: a leaf's `used` is the count at its last use. */
  #clock = 0;

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
    return this.#leaves.size;
  }

  /**
   * Returns the meter cached for (`symbol`, `name`, `tags`) and marks it most
   * recently used, or `undefined`.
   *
   * @param symbol the meter's protocol symbol, including options such as a gauge TTL (e.g. `g,120`)
   * @param name the meter name as given
   * @param tags the tags as given
   */
  get(symbol: string, name: string, tags: Record<string, string> | undefined): Meter | undefined {
    let node = this.#root.children.get(symbol)?.children.get(name);
    if (node === undefined || (tags != null && !isPlainObject(tags))) return undefined; // null: no tags
    try {
      for (const key in tags) {
        const value: unknown = tags[key];
        node = node.children.get(key)?.children.get(typeof value === "string" ? value : tagValueText(value)!);
        if (node === undefined) return undefined;
      }
    } catch {
      return undefined; // tags that throw when read (a hostile Proxy, a getter) are never cached
    }
    if (node.meter !== undefined) node.used = ++this.#clock;
    return node.meter;
  }

  /**
   * Caches `meter` for (`symbol`, `name`, `tags`) and returns it. When full,
   * the least recently used tenth of the cache is evicted first, in one pass,
   * so that a hit only stamps its entry.
   *
   * @param symbol the meter's protocol symbol, including options such as a gauge TTL
   * @param name the meter name as given
   * @param tags the tags as given
   * @param meter the meter made for them
   */
  set<M extends Meter>(symbol: string, name: string, tags: Record<string, string> | undefined, meter: M): M {
    const path = cachePath(symbol, name, tags);
    if (path === undefined || this.#capacity === 0) return meter;
    if (this.#leaves.size >= this.#capacity) this.#evictLeastRecentlyUsed();
    let node = this.#root;
    for (const key of path) {
      let child = node.children.get(key);
      if (child === undefined) node.children.set(key, child = new PathNode(node, key));
      node = child;
    }
    node.meter = meter;
    node.used = ++this.#clock;
    this.#leaves.add(node);
    return meter;
  }

  #evictLeastRecentlyUsed(): void {
    const count = Math.max(1, Math.floor(this.#capacity / 10));
    const stamps = Array.from(this.#leaves, (leaf) => leaf.used).sort((a, b) => a - b);
    const threshold = stamps[count - 1];
    for (const leaf of this.#leaves) {
      if (leaf.used > threshold) continue;
      this.#leaves.delete(leaf);
      leaf.meter = undefined;
      // Remove the branch up to the first node still in use.
      let node: PathNode = leaf;
      while (node.parent !== undefined && node.children.size === 0 && node.meter === undefined) {
        node.parent.children.delete(node.key);
        node = node.parent;
      }
    }
  }
}

/**
 * Whether `tags` is an object literal (or has no prototype): only then do its
 * enumerable keys, which a lookup walks, equal the own keys the id is built
 * from. Other tag objects are never cached.
 */
function isPlainObject(tags: unknown): boolean {
  if (tags === null || typeof tags !== "object") return false;
  try {
    const prototype = Object.getPrototypeOf(tags);
    return prototype === Object.prototype || prototype === null;
  } catch {
    return false; // a Proxy whose trap throws
  }
}

/**
 * The parts of a cache path, with tag values as strings (a number as the id writes it), or `undefined` for a name
 * that is not a string and for tag values other than strings that an id drops.
 */
function cachePath(symbol: string, name: unknown, tags: Record<string, unknown> | undefined): string[] | undefined {
  if (typeof name !== "string") return undefined;
  const path = [symbol, name];
  if (tags === undefined || tags === null) return path; // null: no tags, as spectator-py's None
  if (!isPlainObject(tags)) return undefined;
  try {
    for (const key in tags) {
      const value = tags[key];
      const text = typeof value === "string" ? value : tagValueText(value);
      if (text === undefined) return undefined;
      path.push(key, text);
    }
  } catch {
    return undefined;
  }
  return path;
}
