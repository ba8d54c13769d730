/**
 * Opt-in pre-aggregation: per id and interval, counters are summed and
 * gauges keep one value, so a hot meter costs an addition per update and
 * one line per interval. SpectatorD still does the real aggregation.
 *
 * @module
 */

import { onNaturalExit } from "./exit_hook.ts";
import { unrefTimeout } from "./timers.ts";
import type { EncodedPrefix } from "./writers/writer.ts";

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
  /** The flush count when the slot was last written, to forget idle ids. */
  lastFlush: number;
  readonly emit: (value: number | string) => void;
}

/** Flushes an id is kept for after its last update, so a meter made again finds its slot. */
const IDLE_FLUSHES = 2;

/**
 * Collects updates per id and writes one line per id and interval: at the
 * end of each interval, on {@linkcode flush}, on {@linkcode close}, and at
 * natural process exit. The interval timer runs only while updates wait and
 * never keeps the process alive.
 *
 * @example Sum a hot counter
 * ```ts
 * import { Config, type MemoryWriter, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory", aggregate: { intervalMs: 1000 } }));
 * const requests = registry.counter("server.requestCount");
 * for (let i = 0; i < 1000; i++) requests.increment();
 * await registry.flush();
 * (registry.writer() as MemoryWriter).get(); // ["c:server.requestCount:1000"]
 * ```
 */
export class Aggregator {
  readonly #intervalMs: number;
  readonly #slots = new Map<string, Slot>();
  #dirty: Slot[] = [];
  #flushes = 0;
  #cancelTimer: (() => void) | undefined;
  #removeExitHook: (() => void) | undefined;

  /**
   * Creates an aggregator that flushes every `intervalMs` while updates wait.
   *
   * @param intervalMs the aggregation interval in milliseconds
   */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    this.#removeExitHook = onNaturalExit(() => this.flush());
  }

  /**
   * Returns the update function for the id behind `prefix`: meters with the
   * same prefix share one slot, so each id writes one line per interval.
   *
   * @param prefix the meter's line prefix, which names its type and id
   * @param aggregation how updates combine
   * @param emit writes the combined value at flush time
   */
  updater(
    prefix: EncodedPrefix,
    aggregation: Aggregation,
    emit: (value: number | string) => void,
  ): (value: number | string) => void {
    let slot = this.#slots.get(prefix.text);
    if (slot === undefined) {
      slot = { value: 0, dirty: false, lastFlush: this.#flushes, emit };
      this.#slots.set(prefix.text, slot);
    }
    const shared = slot;
    switch (aggregation) {
      case "sum":
        return (value) => {
          shared.value = (shared.value as number) + (value as number);
          if (!shared.dirty) this.#mark(shared);
        };
      case "max":
        return (value) => {
          if (!shared.dirty) {
            shared.value = value;
            this.#mark(shared);
          } else if ((value as number) > (shared.value as number) || value !== value) {
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
    const flushes = ++this.#flushes;
    for (const slot of dirty) {
      slot.dirty = false;
      slot.lastFlush = flushes;
      const value = slot.value;
      slot.value = 0;
      slot.emit(value);
    }
    for (const [key, slot] of this.#slots) {
      if (!slot.dirty && flushes - slot.lastFlush > IDLE_FLUSHES) this.#slots.delete(key);
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
    this.#cancelTimer ??= unrefTimeout(() => {
      this.#cancelTimer = undefined;
      this.flush();
    }, this.#intervalMs);
  }
}
