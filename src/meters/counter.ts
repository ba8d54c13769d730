/**
 * The counter: a rate of events per second.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * Counts events; SpectatorD reports the rate per second. Writes
 * `c:<id>:<delta>`, only for a finite delta above zero.
 *
 * @example Count requests
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Counter, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * // or registry.counter("server.requestCount", { status: "200" })
 * const requests = new Counter(new MeterId("server.requestCount", { status: "200" }), writer);
 * requests.increment();
 * requests.increment(2.5);
 * requests.increment(-1); // ignored
 * deepStrictEqual(writer.get(), ["c:server.requestCount,status=200:1", "c:server.requestCount,status=200:2.5"]);
 * ```
 */
export class Counter extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, "c", options, "sum");
  }

  /** Adds `delta` (default 1); zero, negative and non-finite deltas are ignored. */
  increment(delta: number = 1): void {
    this.writePositive(delta);
  }

  /** {@linkcode increment}, under spectator-js's name. */
  add(delta: number = 1): void {
    this.writePositive(delta);
  }
}
