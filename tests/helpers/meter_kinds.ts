/**
 * Every meter class with its protocol symbol, its registry factory and its
 * update method, for tests that go over all of them.
 *
 * @module
 */

import {
  AgeGauge,
  Counter,
  DistributionSummary,
  Gauge,
  MaxGauge,
  type Meter,
  type MeterId,
  MonotonicCounter,
  MonotonicCounterUint,
  PercentileDistributionSummary,
  PercentileTimer,
  type Registry,
  Timer,
  type Writer,
} from "../../mod.ts";

/** The name of a meter's update method. */
export type Update = "set" | "increment" | "record";

/** A registry factory that makes a meter by name; each has a `...WithId` twin. */
export type Factory =
  | "ageGauge"
  | "counter"
  | "distributionSummary"
  | "gauge"
  | "maxGauge"
  | "monotonicCounter"
  | "monotonicCounterUint"
  | "pctDistributionSummary"
  | "pctTimer"
  | "timer";

/** One meter class and how to reach and update it. */
export interface MeterKind {
  /** The class; every one can be built from an id and an optional writer. */
  meter: new (id: MeterId, writer?: Writer) => Meter;
  /** The protocol symbol its lines start with. */
  symbol: string;
  /** The registry method that makes it by name. */
  factory: Factory;
  /** Its update method. */
  update: Update;
}

/** Every meter class, in the order of {@linkcode Factory}. */
export const METER_KINDS: readonly MeterKind[] = [
  { meter: AgeGauge, symbol: "A", factory: "ageGauge", update: "set" },
  { meter: Counter, symbol: "c", factory: "counter", update: "increment" },
  { meter: DistributionSummary, symbol: "d", factory: "distributionSummary", update: "record" },
  { meter: Gauge, symbol: "g", factory: "gauge", update: "set" },
  { meter: MaxGauge, symbol: "m", factory: "maxGauge", update: "set" },
  { meter: MonotonicCounter, symbol: "C", factory: "monotonicCounter", update: "set" },
  { meter: MonotonicCounterUint, symbol: "U", factory: "monotonicCounterUint", update: "set" },
  { meter: PercentileDistributionSummary, symbol: "D", factory: "pctDistributionSummary", update: "record" },
  { meter: PercentileTimer, symbol: "T", factory: "pctTimer", update: "record" },
  { meter: Timer, symbol: "t", factory: "timer", update: "record" },
];

/** Calls the meter's update method with a value of any type, as untyped JavaScript can. */
export function update(meter: Meter, method: Update, value: unknown): void {
  (meter as unknown as Record<Update, (value: unknown) => void>)[method](value);
}

/** Makes the meter of `kind` by name, through its registry factory. */
export function meterByName(registry: Registry, kind: MeterKind, name: string, tags?: Record<string, string>): Meter {
  return registry[kind.factory](name, tags);
}

/** Makes the meter of `kind` for `id`, through the factory's `...WithId` twin. */
export function meterById(registry: Registry, kind: MeterKind, id: MeterId): Meter {
  return (registry[`${kind.factory}WithId`] as (id: MeterId) => Meter).call(registry, id);
}

/** The symbols of meters whose every sample is sent: timers and distribution summaries are never folded. */
const SAMPLE_SYMBOLS: ReadonlySet<string> = new Set(["t", "T", "d", "D"]);

/**
 * The order in which a LineWriter that folds sends the lines of one event-loop turn (with no id updated twice): the
 * samples of timers and distribution summaries as they were written, then the lines of the other meters, which wait in
 * the fold table until the turn ends, in the order their ids were first updated.
 *
 * @param lines the lines as written
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldedTurnOrder } from "./meter_kinds.ts";
 *
 * assert.deepEqual(foldedTurnOrder(["c:a:1", "t:b:0.5", "g:c:2"]), ["t:b:0.5", "c:a:1", "g:c:2"]);
 * ```
 */
export function foldedTurnOrder(lines: readonly string[]): string[] {
  const isSample = (line: string) => SAMPLE_SYMBOLS.has(line[0]);
  return [...lines.filter(isSample), ...lines.filter((line) => !isSample(line))];
}
