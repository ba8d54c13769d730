/**
 * Timers: durations in seconds, with or without percentiles.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * Records durations in seconds; SpectatorD reports count, total time, total
 * of squares and max. Writes `t:<id>:<seconds>`, only for a finite value of
 * zero or more.
 *
 * @example Time a piece of work
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const latency = registry.timer("server.requestLatency");
 * const start = performance.now();
 * latency.record((performance.now() - start) / 1000);
 * ```
 */
export class Timer extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, (new.target as typeof Timer).symbol, options);
  }

  /** The protocol symbol this class writes (subclasses override it). */
  static readonly symbol: string = "t";

  /** Records a duration of `seconds`; negative and non-finite values are ignored. */
  record(seconds: number): void {
    this.writeNonNegative(seconds);
  }
}

/**
 * A {@linkcode Timer} that also publishes percentiles (more time series in
 * Atlas: use it where the distribution matters). Writes `T:<id>:<seconds>`.
 *
 * @example
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * registry.pctTimer("server.requestLatency").record(0.042); // T:server.requestLatency:0.042
 * ```
 */
export class PercentileTimer extends Timer {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "T";
}
