/**
 * The gauge: the last value set, with an optional time to live.
 *
 * @module
 */

import { capText, describeValue, type MeterId } from "../meter_id.ts";
import type { Writer } from "../writers/writer.ts";
import { Meter, type MeterOptions, warnFor } from "./meter.ts";

/**
 * A value sampled at a point in time, such as a queue size. SpectatorD keeps
 * reporting the last value for 15 minutes, or for `ttlSeconds` when given
 * (SpectatorD raises a TTL below 5 to 5). Writes `g:<id>:<value>` or
 * `g,<ttl>:<id>:<value>` for any number.
 *
 * @example A gauge with a two-minute TTL
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Gauge, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * new Gauge(new MeterId("queue.size", { queue: "jobs" }), writer, 120).set(42); // or registry.gauge(name, tags, 120)
 * strictEqual(writer.lastLine(), "g,120:queue.size,queue=jobs:42");
 * ```
 */
export class Gauge extends Meter {
  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param ttlSeconds how long SpectatorD keeps the value: a whole number of
   *   seconds above zero (a number or a bigint; above 2^63-1, 2^63-1 is
   *   written, as SpectatorD caps it); anything else is left out of the line
   *   with a warning
   * @param options pre-aggregation, when the registry has it
   */
  constructor(id: MeterId, writer?: Writer, ttlSeconds?: number | bigint, options?: MeterOptions) {
    super(id, writer, checkedGaugeSymbol(id, writer, ttlSeconds), options, "last");
  }

  /** Sets the gauge to `value`. */
  set(value: number): void {
    this.writeNumber(value);
  }

  /** {@linkcode set}, under spectator-js's name. */
  update(value: number): void {
    this.writeNumber(value);
  }
}

/** The largest TTL SpectatorD reads (a signed 64-bit integer); it caps larger ones to it. */
const MAX_TTL = 2n ** 63n - 1n;

/**
 * Returns the protocol symbol of a gauge with `ttlSeconds`: `g,<ttl>` for a
 * whole number of seconds above zero (a number or a bigint, of any size, as
 * spectator-py takes a Python int), in digits and at most 2^63-1, where
 * SpectatorD caps it; else `g` (SpectatorD rejects other TTLs).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { gaugeSymbol } from "./gauge.ts";
 *
 * strictEqual(gaugeSymbol(120), "g,120");
 * strictEqual(gaugeSymbol(1e21), "g,9223372036854775807");
 * strictEqual(gaugeSymbol(1.5), "g");
 * ```
 */
export function gaugeSymbol(ttlSeconds: unknown): string {
  if (Number.isSafeInteger(ttlSeconds)) return (ttlSeconds as number) > 0 ? `g,${ttlSeconds}` : "g";
  const ttl = typeof ttlSeconds === "bigint"
    ? ttlSeconds
    : Number.isInteger(ttlSeconds)
    ? BigInt(ttlSeconds as number)
    : 0n;
  return ttl > 0n ? `g,${ttl < MAX_TTL ? ttl : MAX_TTL}` : "g";
}

/** The symbol of a gauge with `ttlSeconds`, warning through the writer about a TTL that is left out. */
function checkedGaugeSymbol(id: MeterId, writer: Writer | undefined, ttlSeconds: unknown): string {
  const symbol = gaugeSymbol(ttlSeconds);
  if (symbol !== "g" || ttlSeconds === undefined || ttlSeconds === null) return symbol;
  warnFor(
    writer,
    `spectator.meter: ignored the gauge TTL of ${
      capText(id.spectatordId)
    }: ttlSeconds must be a whole number above zero: received ${describeValue(ttlSeconds)}`,
  );
  return "g";
}
