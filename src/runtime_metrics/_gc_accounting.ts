/**
 * What one garbage collection adds to spectator's Node.js GC metrics, worked
 * out as their reference does from the used bytes of V8's heap spaces before
 * and after it:
 *
 * - promoted: growth of `old_space` (`nodejs.gc.promotionRate`);
 * - live data: `old_space` after a collection that shrank it or a full
 *   mark-sweep-compact, repeated after other collections
 *   (`nodejs.gc.liveDataSize`);
 * - allocated: what a collection freed from `new_space`, plus the growth of
 *   `map_space` and `large_object_space` since the previous collection
 *   (`nodejs.gc.allocationRate`).
 *
 * A heap without these spaces (Bun's) yields none of the three.
 *
 * @module
 */

import type { GcEvent } from "./_gc_profiler.ts";

/** The GC metric updates of one collection; a missing one is not updated. */
export interface GcUpdate {
  /** Bytes promoted to the old generation. */
  promoted?: number;
  /** Bytes of live data in the old generation. */
  liveDataSize?: number;
  /** Bytes allocated since the previous collection. */
  allocated?: number;
}

/**
 * Accounts successive collections, remembering what the next one needs.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { GcAccounting } from "./_gc_accounting.ts";
 *
 * const accounting = new GcAccounting();
 * const update = accounting.account({
 *   kind: "scavenge",
 *   seconds: 0.001,
 *   before: new Map([["new_space", 1000], ["old_space", 5000]]),
 *   after: new Map([["new_space", 200], ["old_space", 5300]]),
 * });
 * strictEqual(update.promoted, 300);
 * strictEqual(update.allocated, 800);
 * ```
 */
export class GcAccounting {
  #liveDataSize: number | undefined;
  #previous = new Map<string, number>();

  /**
   * The updates `event` brings.
   *
   * @param event one collection
   * @returns the updates
   */
  account(event: GcEvent): GcUpdate {
    const update: GcUpdate = {};
    const oldBefore = event.before.get("old_space");
    const oldAfter = event.after.get("old_space");
    if (oldBefore !== undefined && oldAfter !== undefined) {
      if (oldAfter > oldBefore) update.promoted = oldAfter - oldBefore;
      if (oldAfter < oldBefore || event.kind === "markSweepCompact") this.#liveDataSize = oldAfter;
      update.liveDataSize = this.#liveDataSize;
    }
    let allocated = 0;
    const youngBefore = event.before.get("new_space");
    const youngAfter = event.after.get("new_space");
    if (youngBefore !== undefined && youngAfter !== undefined && youngBefore > youngAfter) {
      allocated += youngBefore - youngAfter;
    }
    for (const space of ["map_space", "large_object_space"]) {
      allocated += this.#growth(space, event);
    }
    if (allocated > 0) update.allocated = allocated;
    return update;
  }

  /** Growth of `space` from after the previous collection to before this one. */
  #growth(space: string, event: GcEvent): number {
    const before = event.before.get(space);
    const after = event.after.get(space);
    if (before === undefined || after === undefined) return 0;
    const previous = this.#previous.get(space);
    this.#previous.set(space, after);
    return previous !== undefined && before > previous ? before - previous : 0;
  }
}
