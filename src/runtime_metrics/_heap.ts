/**
 * V8 heap statistics as gauge readings: every key of
 * `v8.getHeapStatistics()` as `nodejs.<camelCaseKey>`, and every number of
 * every space of `v8.getHeapSpaceStatistics()` as `nodejs.<camelCaseKey>`
 * with `id=<camelCaseSpaceName>`, the names of spectator's Node.js metrics.
 *
 * Deno and Node run V8 and report its real figures. Bun runs JavaScriptCore:
 * its `node:v8` fills V8's fields from JavaScriptCore's heap totals (the same
 * number under several names, all spaces but one zero), so Bun reports none.
 *
 * @module
 */

import { platform } from "../_platform.ts";
import { camelCase, type V8Module } from "./_v8.ts";

/** One gauge reading: the meter name, its `id` tag if any, and the value. */
export interface HeapReading {
  name: string;
  id?: string;
  value: number;
}

/**
 * Prepares the heap readings: a function that reads them now, or `undefined`
 * on Bun and where `node:v8` lacks the statistics.
 *
 * @param v8 the loaded `node:v8`, if any
 * @returns the reader
 *
 * @example
 * ```ts
 * import { heapReader } from "./_heap.ts";
 * import { loadV8 } from "./_v8.ts";
 *
 * const read = heapReader(await loadV8());
 * for (const { name, id, value } of read?.() ?? []) console.log(name, id, value);
 * ```
 */
export function heapReader(v8: V8Module | undefined): (() => HeapReading[]) | undefined {
  const { getHeapStatistics, getHeapSpaceStatistics } = v8 ?? {};
  if (platform().runtime === "bun" || typeof getHeapStatistics !== "function") return undefined;
  return () => {
    const readings: HeapReading[] = [];
    for (const [key, value] of Object.entries(getHeapStatistics())) {
      readings.push({ name: `nodejs.${camelCase(key)}`, value: Number(value) });
    }
    for (const space of typeof getHeapSpaceStatistics === "function" ? getHeapSpaceStatistics() : []) {
      const id = camelCase(space.space_name);
      for (const [key, value] of Object.entries(space)) {
        if (key !== "space_name") readings.push({ name: `nodejs.${camelCase(key)}`, id, value: Number(value) });
      }
    }
    return readings;
  };
}
