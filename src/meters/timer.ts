/**
 * Timers: durations in seconds, with or without percentiles.
 *
 * @module
 */

import { SampleMeter } from "./sample_meter.ts";

/**
 * Records durations in seconds; SpectatorD reports count, total time, total
 * of squares and max. Writes `t:<id>:<seconds>`, only for a finite value of
 * zero or more.
 *
 * @example Time a piece of work
 * ```ts
 * import { match } from "node:assert/strict";
 * import { MemoryWriter, MeterId, Timer } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * const latency = new Timer(new MeterId("server.requestLatency"), writer); // or registry.timer(...)
 * const start = performance.now();
 * latency.record((performance.now() - start) / 1000);
 * match(writer.lastLine()!, /^t:server\.requestLatency:[\d.e-]+$/);
 * ```
 */
export class Timer extends SampleMeter {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "t";

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
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryWriter, MeterId, PercentileTimer } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new PercentileTimer(new MeterId("server.requestLatency"), writer).record(0.042); // or registry.pctTimer(...)
 * strictEqual(writer.lastLine(), "T:server.requestLatency:0.042");
 * ```
 */
export class PercentileTimer extends Timer {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "T";
}
