import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AgeGauge,
  Counter,
  DistributionSummary,
  Gauge,
  LineWriter,
  MeterId,
  MonotonicCounterUint,
  NoopWriter,
  PercentileDistributionSummary,
  PercentileTimer,
  Timer,
  type Writer,
} from "../../mod.ts";
import { valueText } from "../../src/writers/_ascii_value.ts";
import { offerValuePath, valuePath } from "../../src/writers/_value_path.ts";
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
    const expected = NUMBERS.filter(WRITES[symbol]).map((value) => `${symbol}:policy:${valueText(value)}`);
    assert.deepEqual(writer.get(), expected, Meter.name);
  }
});

test("Gauges, max gauges, monotonic counters and age gauges write NaN and infinities", () => {
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS.filter((k) => WRITES[k.symbol] === anyNumber)) {
    const { writer } = memoryWriter();
    const meter = new Meter(new MeterId("special"), writer);
    for (const value of [NaN, Infinity, -Infinity, -0]) update(meter, method, value);
    assert.deepEqual(writer.get(), ["NaN", "Infinity", "-Infinity", "-0"].map((v) => `${symbol}:special:${v}`));
  }
});

test("Meters drop values of the wrong type with one warning and never throw", () => {
  const wrong: unknown[] = ["1", null, {}, [], true, 1n, Symbol("one"), () => 1];
  for (const { meter: Meter, symbol, update: method } of NUMBER_METERS) {
    const { writer, logger } = memoryWriter();
    const name = `wrong.type.${Meter.name}`;
    const meter = new Meter(new MeterId(name), writer);
    // Timers also take a bigint of nanoseconds, as process.hrtime.bigint() gives it.
    const timer = Meter === Timer || Meter === PercentileTimer;
    for (const value of wrong) if (!(timer && typeof value === "bigint")) update(meter, method, value);
    // undefined means "the default" for Counter.increment(), so it counts 1 there.
    if (Meter !== Counter) update(meter, method, undefined);
    assert.ok(writer.isEmpty(), Meter.name);
    const expected = timer ? "seconds, a bigint of nanoseconds or [seconds, nanoseconds]" : "a number";
    assert.deepEqual(logger.messages("warn"), [
      `spectator.meter: dropped a value of type string for ${symbol}:${name}: expected ${expected}`,
    ]);
  }
});

test("Meters with an empty name write nothing, since SpectatorD rejects such lines, and say so once per writer", () => {
  for (const { meter: Meter, update: method } of METER_KINDS) {
    const { writer, logger } = memoryWriter();
    const meter = new Meter(new MeterId("", { status: "200" }), writer);
    update(meter, method, 1);
    update(new Meter(new MeterId(""), writer), method, 2);
    assert.ok(writer.isEmpty(), Meter.name);
    assert.deepEqual(logger.messages("warn"), [
      'spectator.meter: a meter name must be a non-empty string: received ""; its meters write nothing',
    ]);
  }
});

test("A writer that throws never makes an update throw, and is reported once per meter and minute", () => {
  const { writer: quiet, logger } = memoryWriter();
  const throwing: Writer & { logger: unknown } = {
    logger: (quiet as unknown as { logger: unknown }).logger,
    write: () => {
      throw new Error("disk full");
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const counter = new Counter(new MeterId("throwing.writer"), throwing);
  for (let i = 0; i < 3; i++) assert.doesNotThrow(() => counter.increment());
  assert.deepEqual(logger.messages("warn"), [
    "spectator.meter: the writer threw for c:throwing.writer: Error: disk full",
  ]);
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

/** A call a meter made to its writer. */
interface Call {
  method: "write" | "value path";
  /** The line written: the argument of write(), or prefix.text + value. */
  line: string;
}

/** A LineWriter whose value path and write() record the calls meters make (not the writer's own inner calls). */
function recordingLineWriter(datagrams: string[]): { writer: LineWriter; calls: Call[] } {
  const decoder = new TextDecoder();
  const writer = new LineWriter(() => ({
    send: (bytes) => void datagrams.push(decoder.decode(bytes)),
    close: () => Promise.resolve(),
  }), { description: "fake://recording" });
  const calls: Call[] = [];
  const write = writer.write.bind(writer);
  const writeValue = valuePath(writer)!;
  writer.write = (line) => {
    calls.push({ method: "write", line });
    write(line);
  };
  offerValuePath(writer, (prefix, value) => {
    calls.push({ method: "value path", line: prefix.text + value });
    writeValue(prefix, value);
  });
  return { writer, calls };
}

/** Updates every meter kind once with 42 and returns the lines it should write. */
function updateAll(writer: Writer): string[] {
  const expected: string[] = [];
  for (const { meter: Meter, symbol, update: method } of METER_KINDS) {
    update(new Meter(new MeterId("path", { k: "v" }), writer), method, 42);
    expected.push(`${symbol}:path,k=v:42`);
  }
  return expected;
}

test("Meters over a writer without a value path write prefix + value through write()", () => {
  const calls: Call[] = [];
  const custom: Writer = {
    write: (line) => void calls.push({ method: "write", line }),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  assert.equal(valuePath(custom), undefined);
  const expected = updateAll(custom);
  assert.deepEqual(calls, expected.map((line) => ({ method: "write", line })));

  const { writer } = memoryWriter();
  assert.equal(valuePath(writer), undefined);
  assert.deepEqual(updateAll(writer), writer.get());

  // A method named writeValue is no fast path: only a writer of the library offers one.
  const odd = { ...custom, writeValue: () => assert.fail("writeValue() was called") } as unknown as Writer;
  calls.length = 0;
  assert.deepEqual(updateAll(odd), calls.map((call) => call.line));
});

test("Meters over a LineWriter use its value path, and write the same datagram", async () => {
  const datagrams: string[] = [];
  const { writer, calls } = recordingLineWriter(datagrams);
  const expected = updateAll(writer);
  const gauge = new Gauge(new MeterId("path"), writer, 60);
  gauge.set(0.5);
  const age = new AgeGauge(new MeterId("path"), writer);
  age.now();
  const uint = new MonotonicCounterUint(new MeterId("path"), writer);
  uint.set(-1n);
  expected.push("g,60:path:0.5", "A:path:0", "U:path:18446744073709551615");
  assert.deepEqual(calls, expected.map((line) => ({ method: "value path", line })));
  await writer.close();
  assert.deepEqual(datagrams, [expected.join("\n")]);
});

test("Meters use the value path a writer offers, chosen when the meter is built", () => {
  const calls: Call[] = [];
  const spy: Writer = {
    write: (line) => void calls.push({ method: "write", line }),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  // A meter built over a writer without the fast path keeps write(), even once the writer gains one.
  const counter = new Counter(new MeterId("late"), spy);
  offerValuePath(spy, (prefix, value) => void calls.push({ method: "value path", line: prefix.text + value }));
  const expected = updateAll(spy);
  assert.deepEqual(calls, expected.map((line) => ({ method: "value path", line })));
  calls.length = 0;
  counter.increment();
  assert.deepEqual(calls, [{ method: "write", line: "c:late:1" }]);
});
