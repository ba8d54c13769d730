/**
 * What timers and distribution summaries share: SpectatorD needs each of
 * their samples, so they are never pre-aggregated, and each class names its
 * protocol symbol in a static field, so the percentile variants only
 * override it.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * The base of {@linkcode Timer}, {@linkcode DistributionSummary} and their
 * percentile variants: a meter whose every sample SpectatorD needs, written
 * with the symbol of its class's static `symbol`.
 *
 * @example A class's symbol
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { PercentileTimer, Timer } from "@spectator/client";
 *
 * strictEqual(Timer.symbol, "t");
 * strictEqual(PercentileTimer.symbol, "T");
 * ```
 */
export abstract class SampleMeter extends Meter {
  /** The protocol symbol the class writes; each subclass names its own. */
  static readonly symbol: string = "";

  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, which leaves samples alone
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, (new.target as typeof SampleMeter).symbol, options);
  }
}
