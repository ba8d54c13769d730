/**
 * Folding: the updates of one id combine into one pending value (counters
 * sum; gauges, monotonic counters and age gauges keep the last; max gauges
 * the largest) until the table is drained, which writes one line per id. The
 * one mechanism behind both the LineWriter's folding (drained at the end of
 * the event-loop turn, once lines can leave) and opt-in pre-aggregation
 * (drained every interval); each decides when to drain.
 *
 * @module
 */

/**
 * How updates of one id combine: `sum` (counters), `last` (gauges, monotonic
 * counters, age gauges) or `max` (max gauges).
 *
 * @example
 * ```ts
 * import type { Aggregation } from "@spectator/client";
 *
 * const counters: Aggregation = "sum";
 * ```
 */
export type Aggregation = "sum" | "last" | "max";

import type { EncodedPrefix, ValuePath } from "./writers/_value_path.ts";

/** Writes a combined value as one line. */
export type Emit = (value: number | string) => void;

/**
 * One id's pending value. Numbers and preformatted text (a bigint's digits,
 * an age gauge's `0`) have fields of their own, so a number is stored in
 * place and an update allocates nothing.
 */
class Slot {
  /** The combined number. */
  value = 0;
  /** The last value when it was text; `undefined` when the last was a number. */
  text: string | undefined = undefined;
  /** Updates since the last drain; 0 when nothing waits. */
  updates = 0;

  /**
   * @param emit writes the line, when the table has no sink
   * @param prefix the line prefix the table's sink writes with, if any
   */
  constructor(readonly emit: Emit, readonly prefix: EncodedPrefix | undefined) {}
}

/**
 * Combines updates per id (a meter's line prefix, `<symbol>:<id>:`) and
 * writes one line per updated id when drained. Meters of one id share a
 * slot; a slot no meter holds any more is forgotten once the garbage
 * collector has taken its meters (a pending one is written first), so the
 * table holds at most one slot per id of a live meter.
 *
 * @example Two increments, one line
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { FoldTable } from "./_fold_table.ts";
 *
 * const lines: string[] = [];
 * const table = new FoldTable(() => {}); // told when the first update waits
 * const increment = table.updater("c:requests:", "sum", (value) => void lines.push(`c:requests:${value}`));
 * increment(1);
 * increment(2);
 * table.drain();
 * deepStrictEqual(lines, ["c:requests:3"]);
 * strictEqual(table.foldedUpdates, 1);
 * ```
 */
export class FoldTable {
  readonly #onPending: () => void;
  readonly #sink: ValuePath | undefined;
  readonly #slots = new Map<string, WeakRef<Slot>>();
  readonly #forget = new FinalizationRegistry<string>((key) => {
    if (this.#slots.get(key)?.deref() === undefined) this.#slots.delete(key);
  });
  readonly #onLost: (error: unknown) => void;
  #pending: Slot[] = [];
  #folded = 0;

  /**
   * @param onPending called when an update waits and nothing did before it
   *   (since the last drain): the owner schedules the drain
   * @param sink writes the lines of the slots that have a prefix, in place of
   *   their `emit`: one function for every id (a writer's value path), so a
   *   drain touches no meter's own state
   * @param onLost told of a line whose write threw (a bug below the table),
   *   so its owner can count it; the table goes on with the other slots
   */
  constructor(onPending: () => void, sink?: ValuePath, onLost: (error: unknown) => void = () => {}) {
    this.#onPending = onPending;
    this.#sink = sink;
    this.#onLost = onLost;
  }

  /** Whether updates wait to be written. */
  get pending(): boolean {
    return this.#pending.length > 0;
  }

  /** Updates that did not become a line of their own: they were combined with another update of their id. */
  get foldedUpdates(): number {
    return this.#folded;
  }

  /** How many ids the table holds a slot for (live meters, and dead ones not yet collected). */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * Returns the update function of the meter whose line prefix is `key`:
   * meters with the same key share one slot.
   *
   * @param key the meter's line prefix, `<symbol>:<id>:`, which names its type and id
   * @param aggregation how updates combine
   * @param emit writes a combined value as one line; the first meter's is kept
   * @param prefix the same prefix encoded, for the table's sink
   */
  updater(key: string, aggregation: Aggregation, emit: Emit, prefix?: EncodedPrefix): Emit {
    const slot = this.#slot(key, emit, prefix);
    switch (aggregation) {
      case "sum":
        return (value) => {
          const sum = slot.value + (value as number);
          if (sum === Infinity) return this.#restart(slot, value as number);
          slot.value = sum;
          if (slot.updates++ === 0) this.#wait(slot);
        };
      case "max":
        return (value) => {
          if (slot.updates++ === 0) {
            slot.value = value as number;
            this.#wait(slot);
          } else if ((value as number) > slot.value || slot.value !== slot.value) {
            // The largest value; a NaN gives way to any number, as in SpectatorD's max.
            slot.value = value as number;
          }
        };
      case "last":
        return (value) => {
          if (typeof value === "number") {
            slot.value = value;
            slot.text = undefined;
          } else {
            slot.text = value;
          }
          if (slot.updates++ === 0) this.#wait(slot);
        };
    }
  }

  /** Writes one line for every id updated since the last drain. */
  drain(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const slot of pending) {
      this.#folded += slot.updates - 1;
      slot.updates = 0;
      const value = slot.text ?? slot.value;
      slot.text = undefined;
      slot.value = 0;
      this.#write(slot, value);
    }
  }

  #write(slot: Slot, value: number | string): void {
    // An update never throws, and one line that fails must not leave the slots after it waiting for ever.
    try {
      const sink = this.#sink;
      if (sink !== undefined && slot.prefix !== undefined) sink(slot.prefix, value);
      else slot.emit(value);
    } catch (error) {
      this.#onLost(error);
    }
  }

  #slot(key: string, emit: Emit, prefix: EncodedPrefix | undefined): Slot {
    let slot = this.#slots.get(key)?.deref();
    if (slot === undefined) {
      slot = new Slot(emit, prefix);
      this.#slots.set(key, new WeakRef(slot));
      this.#forget.register(slot, key);
    }
    return slot;
  }

  #wait(slot: Slot): void {
    if (this.#pending.push(slot) !== 1) return;
    try {
      this.#onPending();
    } catch {
      // Scheduling failed below the table (a bug there): the update stays pending for the next drain, and never throws.
    }
  }

  /** A sum that would overflow to Infinity: what was collected is written, and the sum starts again. */
  #restart(slot: Slot, value: number): void {
    this.#folded += slot.updates - 1;
    this.#write(slot, slot.value);
    slot.value = value;
    slot.updates = 1;
  }
}
