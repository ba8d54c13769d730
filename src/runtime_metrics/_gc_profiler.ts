/**
 * Garbage collections as `v8.GCProfiler` records them, delivered as
 * {@linkcode GcEvent}s: the profiler is drained (stopped, read, restarted)
 * on an unref'd timer, as spectator's Node.js metrics do. Node, Deno and Bun
 * all provide the profiler; Bun's heap has a single space, named `heap`.
 *
 * @module
 */

import { platform } from "../_platform.ts";
import { quietly, repeat } from "./_schedule.ts";
import type { GcRecord, GcSnapshot, V8Module } from "./_v8.ts";

/** One garbage collection: its kind, pause, and heap spaces' used bytes before and after. */
export interface GcEvent {
  /** The `id` tag of `nodejs.gc.pause`, e.g. `scavenge`. */
  kind: string;
  /** The pause, in seconds. */
  seconds: number;
  /** The heap size limit after the collection, where reported (positive). */
  heapSizeLimit?: number;
  /** Used bytes of each space (V8's snake_case names) before the collection. */
  before: Map<string, number>;
  /** Used bytes of each space after the collection. */
  after: Map<string, number>;
}

/** The profiler's `gcType` values, as spectator's Node.js metrics tag them. */
const GC_KINDS: Record<string, string> = {
  Scavenge: "scavenge",
  MinorMarkCompact: "minorMarkCompact",
  MinorMarkSweep: "minorMarkSweep",
  MarkSweepCompact: "markSweepCompact",
  IncrementalMarking: "incrementalMarking",
  ProcessWeakCallbacks: "processWeakCallbacks",
};

/**
 * The `id` tag of a profiler `gcType`; `unknown` for a type not listed.
 *
 * @param gcType e.g. `MarkSweepCompact`
 * @returns e.g. `markSweepCompact`
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { gcKindName } from "./_gc_profiler.ts";
 *
 * strictEqual(gcKindName("Scavenge"), "scavenge");
 * ```
 */
export function gcKindName(gcType: string): string {
  return Object.hasOwn(GC_KINDS, gcType) ? GC_KINDS[gcType] : "unknown";
}

/**
 * Seconds per unit of a record's `cost`: Node and Bun report microseconds,
 * Deno 2.9 nanoseconds.
 */
function costUnit(): number {
  return platform().runtime === "deno" ? 1e-9 : 1e-6;
}

function usedBySpace(snapshot: GcSnapshot): Map<string, number> {
  return new Map(snapshot.heapSpaceStatistics.map((space) => [space.spaceName, space.spaceUsedSize]));
}

/**
 * Turns a profiler record into a {@linkcode GcEvent}.
 *
 * @param record one entry of the profiler's `statistics`
 * @param secondsPerCost seconds per unit of `cost`; this runtime's by default
 * @returns the event
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { toGcEvent } from "./_gc_profiler.ts";
 *
 * const snapshot = { heapStatistics: { heapSizeLimit: 1 << 30 }, heapSpaceStatistics: [] };
 * strictEqual(toGcEvent({ gcType: "Scavenge", cost: 500, beforeGC: snapshot, afterGC: snapshot }, 1e-6).seconds, 0.0005);
 * ```
 */
export function toGcEvent(record: GcRecord, secondsPerCost: number = costUnit()): GcEvent {
  const limit = record.afterGC.heapStatistics.heapSizeLimit;
  return {
    kind: gcKindName(record.gcType),
    seconds: record.cost * secondsPerCost,
    heapSizeLimit: limit !== undefined && limit > 0 ? limit : undefined,
    before: usedBySpace(record.beforeGC),
    after: usedBySpace(record.afterGC),
  };
}

/**
 * Profiles garbage collection, handing `onEvent` every collection recorded,
 * every `periodMs`; `undefined` where `v8.GCProfiler` is missing or refuses
 * to start.
 *
 * @param v8 the loaded `node:v8`, if any
 * @param periodMs how often the recorded collections are delivered
 * @param onEvent receives each collection
 * @returns a function that stops profiling, dropping what is not yet delivered
 *
 * @example
 * ```ts
 * import { profileGc } from "./_gc_profiler.ts";
 * import { loadV8 } from "./_v8.ts";
 *
 * const stop = profileGc(await loadV8(), 1000, (event) => console.log(event.kind, event.seconds));
 * stop?.();
 * ```
 */
export function profileGc(
  v8: V8Module | undefined,
  periodMs: number,
  onEvent: (event: GcEvent) => void,
): (() => void) | undefined {
  const Profiler = v8?.GCProfiler;
  if (typeof Profiler !== "function") return undefined;
  const begin = () => {
    const profiler = new Profiler();
    profiler.start();
    return profiler;
  };
  let profiler: InstanceType<typeof Profiler> | undefined;
  try {
    profiler = begin();
  } catch {
    return undefined;
  }
  const secondsPerCost = costUnit();
  const cancel = repeat(() => {
    const records = profiler?.stop()?.statistics ?? [];
    profiler = undefined;
    profiler = begin();
    for (const record of records) quietly(() => onEvent(toGcEvent(record, secondsPerCost)));
  }, periodMs);
  return () => {
    cancel();
    quietly(() => profiler?.stop());
    profiler = undefined;
  };
}
