/**
 * The age gauge: time since the last success.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * Reports the seconds elapsed since an event last succeeded, for as long as
 * SpectatorD runs: the "time since last success" alerting pattern. Writes
 * `A:<id>:<epochSeconds>`, or `A:<id>:0` for "now".
 *
 * @example Mark a successful run
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { AgeGauge, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * const lastSuccess = new AgeGauge(new MeterId("job.lastSuccess"), writer); // or registry.ageGauge("job.lastSuccess")
 * lastSuccess.now();
 * strictEqual(writer.lastLine(), "A:job.lastSuccess:0");
 * lastSuccess.set(1_700_000_000);
 * strictEqual(writer.lastLine(), "A:job.lastSuccess:1700000000");
 * ```
 */
export class AgeGauge extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, "A", options, "last");
  }

  /** Records a success at `epochSeconds`, seconds since the Unix epoch. */
  set(epochSeconds: number): void {
    this.writeNumber(epochSeconds);
  }

  /** Records a success now (SpectatorD's clock). */
  now(): void {
    this.writeFormatted("0");
  }
}
