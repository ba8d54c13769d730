/**
 * Opt-in pre-aggregation: per id and interval, counters are summed and
 * gauges keep one value, so a hot meter costs an addition per update and
 * one line per interval. SpectatorD still does the real aggregation.
 *
 * @module
 */

import { platform } from "./_platform.ts";
import type { Writer } from "./writers/writer.ts";

/**
 * How an aggregated meter combines the updates of one interval: `sum`
 * (counters), `last` (gauges, monotonic counters, age gauges) or `max`
 * (max gauges).
 *
 * @example
 * ```ts
 * import type { Aggregation } from "@spectator/client";
 *
 * const counters: Aggregation = "sum";
 * ```
 */
export type Aggregation = "sum" | "last" | "max";

/** Where one id's updates collect until the next flush. */
interface Slot {
  value: number | string;
  dirty: boolean;
  readonly emit: (value: number | string) => void;
}

/**
 * Collects updates per id and writes one line per id and interval: at the
 * end of each interval, on {@linkcode flush}, on {@linkcode close}, and at
 * natural process exit. The interval timer runs only while updates wait and
 * never keeps the process alive.
 *
 * @example Sum a hot counter
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Aggregator, Counter, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const aggregator = new Aggregator(1000); // what Config({ aggregate: { intervalMs: 1000 } }) gives a registry
 * const writer = new MemoryWriter();
 * const requests = new Counter(new MeterId("server.requestCount"), writer, { aggregator });
 * for (let i = 0; i < 1000; i++) requests.increment();
 * aggregator.flush();
 * deepStrictEqual(writer.get(), ["c:server.requestCount:1000"]);
 * aggregator.close();
 * ```
 */
export class Aggregator {
  readonly #intervalMs: number;
  /**
   * The slot of each writer and line prefix while a meter holds it: meters of
   * one id share a slot, and a slot no meter holds any more is forgotten by
   * the garbage collector, so memory follows the live meters.
   */
  readonly #slots = new WeakMap<Writer, Map<string, WeakRef<Slot>>>();
  readonly #forget = new FinalizationRegistry<{ slots: Map<string, WeakRef<Slot>>; key: string }>(
    ({ slots, key }) => {
      if (slots.get(key)?.deref() === undefined) slots.delete(key);
    },
  );
  #dirty: Slot[] = [];
  #cancelTimer: (() => void) | undefined;
  #removeExitHook: (() => void) | undefined;

  /**
   * Creates an aggregator that flushes every `intervalMs` while updates wait.
   *
   * @param intervalMs the aggregation interval in milliseconds
   */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    this.#removeExitHook = platform().onNaturalExit(() => this.flush());
  }

  /**
   * Returns the update function for the meter whose line prefix is `prefix`
   * on `writer`: meters with the same writer and prefix share one slot, so
   * each id writes one line per interval. Meters call it when they are built.
   *
   * @param writer where the meter's lines go
   * @param prefix the meter's line prefix, `<symbol>:<id>:`, which names its type and id
   * @param aggregation how updates combine
   * @param emit writes the combined value to `writer` at flush time
   */
  updater(
    writer: Writer,
    prefix: string,
    aggregation: Aggregation,
    emit: (value: number | string) => void,
  ): (value: number | string) => void {
    let slots = this.#slots.get(writer);
    if (slots === undefined) this.#slots.set(writer, slots = new Map());
    let slot = slots.get(prefix)?.deref();
    if (slot === undefined) {
      slot = { value: 0, dirty: false, emit };
      slots.set(prefix, new WeakRef(slot));
      this.#forget.register(slot, { slots, key: prefix });
    }
    const shared = slot;
    switch (aggregation) {
      case "sum":
        return (value) => {
          const sum = (shared.value as number) + (value as number);
          if (sum !== Infinity) {
            shared.value = sum;
            if (!shared.dirty) this.#mark(shared);
          } else {
            // The sum would overflow: write what was collected, then start again.
            shared.emit(shared.value);
            shared.value = value;
          }
        };
      case "max":
        return (value) => {
          if (!shared.dirty) {
            shared.value = value;
            this.#mark(shared);
          } else if ((value as number) > (shared.value as number) || shared.value !== shared.value) {
            // The largest value; a NaN gives way to any number, as in SpectatorD's max.
            shared.value = value;
          }
        };
      case "last":
        return (value) => {
          shared.value = value;
          if (!shared.dirty) this.#mark(shared);
        };
    }
  }

  /** Writes one line for every id updated since the last flush. */
  flush(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const slot of dirty) {
      slot.dirty = false;
      const value = slot.value;
      slot.value = 0;
      slot.emit(value);
    }
  }

  /** Flushes and stops: no more timer, no exit hook. */
  close(): void {
    this.flush();
    this.#removeExitHook?.();
    this.#removeExitHook = undefined;
  }

  #mark(slot: Slot): void {
    slot.dirty = true;
    this.#dirty.push(slot);
    this.#cancelTimer ??= platform().unrefTimeout(() => {
      this.#cancelTimer = undefined;
      this.flush();
    }, this.#intervalMs);
  }
}
