/**
 * The max gauge: the largest value per reporting interval.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * Reports the maximum of the values set during each SpectatorD interval,
 * such as the peak number of open connections. Writes `m:<id>:<value>`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MaxGauge, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new MaxGauge(new MeterId("server.connections"), writer).set(17); // or registry.maxGauge("server.connections")
 * strictEqual(writer.lastLine(), "m:server.connections:17");
 * ```
 */
export class MaxGauge extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, "m", options, "max");
  }

  /** Offers `value` as the interval's maximum. */
  set(value: number): void {
    this.writeNumber(value);
  }

  /** {@linkcode set}, under spectator-js's name. */
  update(value: number): void {
    this.writeNumber(value);
  }
}
