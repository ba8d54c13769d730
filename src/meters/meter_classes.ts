/**
 * Every meter class by the protocol symbol it writes: one table, from which
 * the registry makes meters and {@linkcode getMeterClass} answers.
 *
 * @module
 */

import { AgeGauge } from "./age_gauge.ts";
import { Counter } from "./counter.ts";
import { DistributionSummary, PercentileDistributionSummary } from "./dist_summary.ts";
import { Gauge } from "./gauge.ts";
import { MaxGauge } from "./max_gauge.ts";
import { MonotonicCounter } from "./monotonic_counter.ts";
import { MonotonicCounterUint } from "./monotonic_counter_uint.ts";
import { PercentileTimer, Timer } from "./timer.ts";

/**
 * A meter class that {@linkcode getMeterClass} can return.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Counter, getMeterClass, type MeterClass } from "@spectator/client";
 *
 * const meterClass: MeterClass | undefined = getMeterClass("c");
 * strictEqual(meterClass, Counter);
 * ```
 */
export type MeterClass =
  | typeof AgeGauge
  | typeof Counter
  | typeof DistributionSummary
  | typeof Gauge
  | typeof MaxGauge
  | typeof MonotonicCounter
  | typeof MonotonicCounterUint
  | typeof PercentileDistributionSummary
  | typeof PercentileTimer
  | typeof Timer;

/** The meter classes by protocol symbol (without options such as a gauge TTL). */
export const METER_CLASSES = {
  A: AgeGauge,
  c: Counter,
  d: DistributionSummary,
  g: Gauge,
  m: MaxGauge,
  C: MonotonicCounter,
  U: MonotonicCounterUint,
  D: PercentileDistributionSummary,
  T: PercentileTimer,
  t: Timer,
} as const satisfies Record<string, MeterClass>;

/** A protocol symbol of {@linkcode METER_CLASSES}. */
export type MeterSymbol = keyof typeof METER_CLASSES;

/**
 * Returns the meter class for a protocol symbol (`A c d g m C U D T t`), or
 * `undefined` for any other.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Counter, getMeterClass } from "@spectator/client";
 *
 * strictEqual(getMeterClass("c"), Counter);
 * strictEqual(getMeterClass("X"), undefined);
 * ```
 */
export function getMeterClass(symbol: string): MeterClass | undefined {
  return Object.hasOwn(METER_CLASSES, symbol) ? METER_CLASSES[symbol as MeterSymbol] : undefined;
}
