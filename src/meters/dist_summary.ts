/**
 * Distribution summaries: sizes and amounts, with or without percentiles.
 *
 * @module
 */

import { SampleMeter } from "./sample_meter.ts";

/**
 * Records amounts such as response sizes; SpectatorD reports count, total,
 * total of squares and max. Writes `d:<id>:<amount>`, only for a finite
 * amount of zero or more.
 *
 * @example Record response sizes
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { DistributionSummary, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new DistributionSummary(new MeterId("server.responseSize"), writer).record(1024); // or registry.distributionSummary(...)
 * strictEqual(writer.lastLine(), "d:server.responseSize:1024");
 * ```
 */
export class DistributionSummary extends SampleMeter {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "d";

  /** Records `amount`; negative and non-finite amounts are ignored. */
  record(amount: number): void {
    this.writeNonNegative(amount);
  }
}

/**
 * A {@linkcode DistributionSummary} that also publishes percentiles. Writes
 * `D:<id>:<amount>`; SpectatorD truncates the amount to an integer.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryWriter, MeterId, PercentileDistributionSummary } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new PercentileDistributionSummary(new MeterId("server.responseSize"), writer).record(512);
 * strictEqual(writer.lastLine(), "D:server.responseSize:512");
 * ```
 */
export class PercentileDistributionSummary extends DistributionSummary {
  /** The protocol symbol this class writes. */
  static override readonly symbol: string = "D";
}
