/**
 * The parts of `node:v8` that runtime metrics read, loaded lazily (never at
 * import), and the camelCase spelling that turns V8's snake_case keys into
 * metric names and `id` tags.
 *
 * @module
 */

/** One heap space as `v8.getHeapSpaceStatistics()` reports it. */
export interface HeapSpaceStatistics {
  space_name: string;
  [key: string]: number | string;
}

/** One recorded garbage collection as `v8.GCProfiler` reports it. */
export interface GcRecord {
  gcType: string;
  cost: number;
  beforeGC: GcSnapshot;
  afterGC: GcSnapshot;
}

/** The heap before or after a garbage collection, in a {@linkcode GcRecord}. */
export interface GcSnapshot {
  heapStatistics: { heapSizeLimit?: number };
  heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[];
}

/** The subset of `node:v8` used here. */
export interface V8Module {
  getHeapStatistics?: () => Record<string, number>;
  getHeapSpaceStatistics?: () => HeapSpaceStatistics[];
  GCProfiler?: new () => { start(): void; stop(): { statistics?: GcRecord[] } | undefined };
}

/**
 * Loads `node:v8`, or resolves to `undefined` where the runtime has none.
 *
 * @returns the module
 *
 * @example
 * ```ts
 * import { loadV8 } from "./_v8.ts";
 *
 * const v8 = await loadV8();
 * console.log(v8?.getHeapStatistics?.().heap_size_limit);
 * ```
 */
export async function loadV8(): Promise<V8Module | undefined> {
  try {
    return await import("node:v8") as unknown as V8Module;
  } catch {
    return undefined;
  }
}

/**
 * Spells a snake_case V8 key in camelCase.
 *
 * @param key e.g. `used_heap_size`
 * @returns e.g. `usedHeapSize`
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { camelCase } from "./_v8.ts";
 *
 * strictEqual(camelCase("new_large_object_space"), "newLargeObjectSpace");
 * ```
 */
export function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
