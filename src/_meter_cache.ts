/**
 * The registry's bounded cache of meters, so that making a meter by name and
 * tags on every request does not sanitize and sort its id every time.
 *
 * @module
 */

import { tagValueText } from "./meter_id.ts";
import type { Meter } from "./meters/meter.ts";

/**
 * One step of a cached path below a name: the node reached by the tag key and
 * value as given (the name's own node has neither). A node that ends a path
 * holds a meter. The next step is almost always by one key (the tag objects
 * of one call site list their keys in one order), so that key and its values
 * are kept apart from any others: a step costs a string comparison and one
 * map lookup.
 */
class PathNode {
  /** The key of the first step taken below this node; its values are in `values`. */
  key: string | undefined;
  /** The nodes below, by the value of `key`. */
  values: Map<string, PathNode> | undefined;
  /** The nodes below by other keys (key, then value): one name used with tags of more than one set of keys. */
  others: Map<string, Map<string, PathNode>> | undefined;
  meter: Meter | undefined;
  /** The cache's lookup count at the meter's last use. */
  used = 0;

  /**
   * @param parent the node above, or for a name's node the map of names that holds it
   * @param step the tag key of the step from the parent; for a name's node, the name
   * @param value the tag value of the step from the parent; `undefined` for a name's node
   */
  constructor(
    readonly parent: PathNode | Map<string, PathNode>,
    readonly step: string,
    readonly value?: string,
  ) {}

  /** The node one step below, by `key` and `value`, if any. */
  next(key: string, value: string): PathNode | undefined {
    return key === this.key ? this.values!.get(value) : this.others?.get(key)?.get(value);
  }

  /** The map of the nodes below by `key`, made when `create` and missing. */
  valuesOf(key: string, create: boolean): Map<string, PathNode> | undefined {
    if (this.key === undefined && create) {
      this.key = key;
      return this.values = new Map();
    }
    if (key === this.key) return this.values;
    let values = this.others?.get(key);
    if (values === undefined && create) (this.others ??= new Map()).set(key, values = new Map());
    return values;
  }

  /** Whether no node hangs below. */
  get isLeafOnly(): boolean {
    return this.values === undefined && this.others === undefined;
  }

  /** Removes the child `node`, reached by its step and value. */
  remove(node: PathNode): void {
    const values = this.valuesOf(node.step, false)!;
    values.delete(node.value!);
    if (values.size > 0) return;
    if (node.step !== this.key) {
      this.others!.delete(node.step);
      if (this.others!.size === 0) this.others = undefined;
      return;
    }
    // The first key's values are gone: another key, if any, takes its place.
    const other = this.others?.entries().next().value;
    this.key = other?.[0];
    this.values = other?.[1];
    if (other !== undefined) this.others!.delete(other[0]);
    if (this.others?.size === 0) this.others = undefined;
  }
}

/**
 * Maps (meter symbol, name, tags) to a meter, holding at most `capacity`
 * meters and evicting the least recently used, so a cardinality explosion
 * cannot grow memory without bound.
 *
 * Lookups walk a tree: a map by symbol, a map by name, then one step per tag
 * key and value as given, so no key string is built per call. The same tags
 * in another order take another path to an equal meter: a second entry,
 * never a wrong meter. Tag values are cached as the id writes them (`200` as
 * `"200"`); names that are not strings, non-string tag values an id drops,
 * and tag objects that are not plain objects are never cached.
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
  /** The names' nodes, by symbol and name. */
  readonly #names = new Map<string, Map<string, PathNode>>();
  /** The last symbol looked up, and its names: one registry factory after another takes the same. */
  #lastSymbol: string | undefined;
  #lastNames: Map<string, PathNode> | undefined;
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
    const names = symbol === this.#lastSymbol ? this.#lastNames : this.#namesOf(symbol);
    let node = names?.get(name);
    if (node === undefined || (tags != null && !isPlainObject(tags))) return undefined; // null: no tags
    try {
      for (const key in tags) {
        const value: unknown = tags[key];
        node = node.next(key, typeof value === "string" ? value : tagValueText(value)!);
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
    const path = cachePath(name, tags);
    if (path === undefined || this.#capacity === 0) return meter;
    if (this.#leaves.size >= this.#capacity) this.#evictLeastRecentlyUsed();
    let names = this.#names.get(symbol);
    if (names === undefined) this.#names.set(symbol, names = new Map());
    let node: PathNode | undefined = names.get(name);
    if (node === undefined) names.set(name, node = new PathNode(names, name));
    for (let i = 0; i < path.length; i += 2) {
      const values: Map<string, PathNode> = node.valuesOf(path[i], true)!;
      let child: PathNode | undefined = values.get(path[i + 1]);
      if (child === undefined) values.set(path[i + 1], child = new PathNode(node, path[i], path[i + 1]));
      node = child;
    }
    node.meter = meter;
    node.used = ++this.#clock;
    this.#leaves.add(node);
    return meter;
  }

  #namesOf(symbol: string): Map<string, PathNode> | undefined {
    const names = this.#names.get(symbol);
    if (names !== undefined) {
      this.#lastSymbol = symbol;
      this.#lastNames = names;
    }
    return names;
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
      while (node.isLeafOnly && node.meter === undefined) {
        const parent = node.parent;
        if (!(parent instanceof PathNode)) {
          parent.delete(node.step);
          break;
        }
        parent.remove(node);
        node = parent;
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
 * The tag keys and values of a cache path (alternating), with values as strings (a number as the id writes it), or
 * `undefined` for a name that is not a string and for tag values other than strings that an id drops.
 */
function cachePath(name: unknown, tags: Record<string, unknown> | undefined): string[] | undefined {
  if (typeof name !== "string") return undefined;
  const path: string[] = [];
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
