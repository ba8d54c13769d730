/**
 * The unsigned 64-bit monotonic counter.
 *
 * @module
 */

import type { MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions } from "./meter.ts";

/**
 * A {@linkcode MonotonicCounter} for unsigned 64-bit sources, such as kernel
 * counters that wrap. The value is written modulo 2^64 as an unsigned
 * decimal: `-1n` gives `18446744073709551615`. Writes `U:<id>:<value>`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { MemoryWriter, MeterId, MonotonicCounterUint } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * const packets = new MonotonicCounterUint(new MeterId("net.packets"), writer); // or registry.monotonicCounterUint(...)
 * packets.set(2n ** 63n);
 * packets.set(-1n);
 * deepStrictEqual(writer.get(), ["U:net.packets:9223372036854775808", "U:net.packets:18446744073709551615"]);
 * ```
 */
export class MonotonicCounterUint extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, options?: MeterOptions) {
    super(id, writer, "U", options, "last");
  }

  /** Sets the source's current value: a `bigint` or an integral `number`. */
  set(value: bigint | number): void {
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return this.rejectType(value, "an integral number or a bigint");
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) return this.writeFormatted(String(value));
      return this.writeFormatted(BigInt.asUintN(64, BigInt(value)).toString());
    }
    if (typeof value !== "bigint") return this.rejectType(value, "an integral number or a bigint");
    this.writeFormatted(BigInt.asUintN(64, value).toString());
  }
}
