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
 *
 * @example Time it with Node's high-resolution clock, as spectator-js code does
 * ```ts
 * import process from "node:process";
 * import { Config, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const latency = registry.timer("server.requestLatency");
 * const start = process.hrtime.bigint();
 * latency.record(process.hrtime.bigint() - start); // nanoseconds
 * latency.record(process.hrtime(process.hrtime())); // [seconds, nanoseconds]
 * ```
 */
export class Timer extends SampleMeter {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "t";

  /**
   * Records a duration of `seconds`; negative and non-finite durations are ignored. As code written for
   * spectator-js passes them, it also takes what Node's `process.hrtime` gives: a bigint of nanoseconds
   * (`process.hrtime.bigint() - start`) or `[seconds, nanoseconds]` (`process.hrtime(start)`), and adds
   * `nanoseconds` to a number of seconds (`record(0, 6e6)` records 6 ms).
   */
  record(seconds: number | bigint | readonly [seconds: number, nanoseconds: number], nanoseconds?: number): void {
    if (typeof seconds === "number" && nanoseconds === undefined) return this.writeNonNegative(seconds);
    const total = hrtimeSeconds(seconds, nanoseconds);
    if (total === undefined) return this.rejectType(seconds, DURATION_SHAPES);
    this.writeNonNegative(total);
  }
}

/** What {@linkcode Timer.record} takes, for its warning about anything else. */
const DURATION_SHAPES = "seconds, a bigint of nanoseconds or [seconds, nanoseconds]";

/** The seconds of a duration given the ways `process.hrtime` gives it, or `undefined` for any other shape. */
function hrtimeSeconds(duration: unknown, nanoseconds: unknown): number | undefined {
  if (typeof duration === "number") return typeof nanoseconds === "number" ? duration + nanoseconds / 1e9 : undefined;
  if (nanoseconds !== undefined) return undefined;
  if (typeof duration === "bigint") return Number(duration / 1_000_000_000n) + Number(duration % 1_000_000_000n) / 1e9;
  if (Array.isArray(duration) && duration.length === 2) {
    const [whole, fraction] = duration;
    if (typeof whole === "number" && typeof fraction === "number") return whole + fraction / 1e9;
  }
  return undefined;
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
