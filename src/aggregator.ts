/**
 * Opt-in pre-aggregation: per id and interval, counters are summed and
 * gauges keep one value, so a hot meter costs an addition per update and
 * one line per interval. SpectatorD still does the real aggregation. The
 * combining is the fold table's (`_fold_table.ts`); this module drains it
 * every interval.
 *
 * @module
 */

import { type Aggregation, FoldTable } from "./_fold_table.ts";
import { platform } from "./_platform.ts";
import type { Writer } from "./writers/writer.ts";

export type { Aggregation } from "./_fold_table.ts";

/**
 * Collects updates per id and writes one line per id and interval: at the
 * end of each interval, on {@linkcode flush}, on {@linkcode close}, and as
 * the process ends (naturally, or by `process.exit()`, when the writer can
 * still send synchronously). The interval timer runs only while updates wait
 * and never keeps the process alive.
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
  /** One fold table per writer: meters of one id and writer share a slot. */
  readonly #tables = new WeakMap<Writer, FoldTable>();
  /** The tables holding updates, in the order they first got one. */
  #pending: FoldTable[] = [];
  #cancelTimer: (() => void) | undefined;
  #removeExitHooks: (() => void) | undefined;

  /**
   * Creates an aggregator that flushes every `intervalMs` while updates wait.
   *
   * @param intervalMs the aggregation interval in milliseconds
   */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    // Registered before any writer's: what they flush reaches the writers before they send as the process ends.
    const removeNatural = platform().onNaturalExit(() => this.flush());
    const removeExit = platform().onExit(() => this.flush());
    this.#removeExitHooks = () => {
      removeNatural();
      removeExit();
    };
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
    let table = this.#tables.get(writer);
    if (table === undefined) {
      const created = table = new FoldTable(() => this.#waiting(created));
      this.#tables.set(writer, table);
    }
    return table.updater(prefix, aggregation, emit);
  }

  /** Writes one line for every id updated since the last flush. */
  flush(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const table of pending) table.drain();
  }

  /** Flushes and stops: no more timer, no exit hook. */
  close(): void {
    this.flush();
    this.#removeExitHooks?.();
    this.#removeExitHooks = undefined;
  }

  /** A table got its first waiting update: it is drained at the end of the interval. */
  #waiting(table: FoldTable): void {
    this.#pending.push(table);
    this.#cancelTimer ??= platform().unrefTimeout(() => {
      this.#cancelTimer = undefined;
      this.flush();
    }, this.#intervalMs);
  }
}
