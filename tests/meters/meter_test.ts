import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Counter,
  DistributionSummary,
  MeterId,
  NoopWriter,
  PercentileDistributionSummary,
  PercentileTimer,
  Timer,
} from "../../mod.ts";
import { memoryWriter } from "../helpers/memory.ts";
import { METER_KINDS, update } from "../helpers/meter_kinds.ts";

const aboveZero = (v: number) => Number.isFinite(v) && v > 0;
const zeroOrMore = (v: number) => Number.isFinite(v) && v >= 0;
const anyNumber = (_v: number) => true;

/** Which numbers each meter writes, by symbol, as DESIGN.md §2 says (U has its own rules). */
const WRITES: Record<string, (v: number) => boolean> = {
  A: anyNumber,
  c: aboveZero,
  d: zeroOrMore,
  g: anyNumber,
  m: anyNumber,
  C: anyNumber,
  D: zeroOrMore,
  T: zeroOrMore,
  t: zeroOrMore,
};

const NUMBER_METERS = METER_KINDS.filter((kind) => kind.symbol in WRITES);

const NUMBERS = [1, 42, -42, 0.5, 1e-7, 1e21, 0, -0, -1, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity];

test("Every meter writes <symbol>:<id>:<value> with the value spelled as String(n)", () => {
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS) {
    const { writer } = memoryWriter();
    const meter = new Meter(new MeterId("spelled", { k: "v" }), writer);
    for (const value of [42, 0.5, 1e-7]) update(meter, method, value);
    assert.deepEqual(writer.get(), [
      `${symbol}:spelled,k=v:42`,
      `${symbol}:spelled,k=v:0.5`,
      `${symbol}:spelled,k=v:1e-7`,
    ]);
  }
});

test("Counters write finite values above zero, timers and summaries finite values of zero or more, the rest any number", () => {
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS) {
    const { writer } = memoryWriter();
    const meter = new Meter(new MeterId("policy"), writer);
    for (const value of NUMBERS) update(meter, method, value);
    const expected = NUMBERS.filter(WRITES[symbol]).map((value) => `${symbol}:policy:${value}`);
    assert.deepEqual(writer.get(), expected, Meter.name);
  }
});

test("Gauges, max gauges, monotonic counters and age gauges write NaN and infinities", () => {
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS.filter((k) => WRITES[k.symbol] === anyNumber)) {
    const { writer } = memoryWriter();
    const meter = new Meter(new MeterId("special"), writer);
    for (const value of [NaN, Infinity, -Infinity, -0]) update(meter, method, value);
    assert.deepEqual(writer.get(), ["NaN", "Infinity", "-Infinity", "0"].map((v) => `${symbol}:special:${v}`));
  }
});

test("Meters drop values of the wrong type with one warning and never throw", () => {
  const wrong: unknown[] = ["1", null, {}, [], true, 1n, Symbol("one"), () => 1];
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS) {
    const { writer, logger } = memoryWriter();
    const name = `wrong.type.${Meter.name}`;
    const meter = new Meter(new MeterId(name), writer);
    for (const value of wrong) update(meter, method, value);
    // undefined means "the default" for Counter.increment(), so it counts 1 there.
    if (Meter !== Counter) update(meter, method, undefined);
    assert.ok(writer.isEmpty(), Meter.name);
    assert.deepEqual(logger.messages("warn"), [
      `spectator.meter: dropped a value of type string for ${symbol}:${name}: expected a number`,
    ]);
  }
});

test("Meters built without a writer write to a NoopWriter and never throw", () => {
  for (const { meter: Meter, update: method } of METER_KINDS) {
    const meter = new Meter(new MeterId("nowhere"));
    assert.ok(meter.writer() instanceof NoopWriter, Meter.name);
    update(meter, method, 1);
  }
});

test("Meter.id() and Meter.writer() return what the meter was built with", () => {
  const id = new MeterId("parts", { a: "1" });
  const { writer } = memoryWriter();
  for (const { meter: Meter } of METER_KINDS) {
    const meter = new Meter(id, writer);
    assert.equal(meter.id(), id);
    assert.equal(meter.writer(), writer);
  }
});

test("Percentile timers and summaries are timers and summaries", () => {
  const id = new MeterId("percentiles");
  assert.ok(new PercentileTimer(id) instanceof Timer);
  assert.ok(new PercentileDistributionSummary(id) instanceof DistributionSummary);
});
