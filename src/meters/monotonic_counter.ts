/**
 * The monotonic counter: a rate from a cumulative source.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * Takes the current value of a source that only grows, such as bytes read
 * from a socket since start; SpectatorD reports the rate of change (it needs
 * two samples). Writes `C:<id>:<value>`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryWriter, MeterId, MonotonicCounter } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new MonotonicCounter(new MeterId("net.bytesRead"), writer).set(123456); // or registry.monotonicCounter(...)
 * strictEqual(writer.lastLine(), "C:net.bytesRead:123456");
 * ```
 */
export class MonotonicCounter extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, "C", options, "last");
  }

  /** Sets the source's current value. */
  set(value: number): void {
    this.writeNumber(value);
  }
}
