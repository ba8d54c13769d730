import assert from "node:assert/strict";
import { test } from "node:test";
import { Aggregator, Config, type ConfigOptions, Counter, MemoryWriter, MeterId, Registry } from "../mod.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";
import { memoryRegistry } from "./helpers/memory.ts";
import { linesFromChild } from "./helpers/child_delivery.ts";
import { tick, until } from "./helpers/wait.ts";

const AGGREGATE: ConfigOptions = { aggregate: { intervalMs: 100 } };

/** A memory registry that aggregates over 100 ms intervals. */
function aggregating(options: ConfigOptions = {}) {
  return memoryRegistry({ ...AGGREGATE, ...options });
}

/** Sorts lines: the order of ids within one flush is not part of the contract. */
const sorted = (lines: string[]) => [...lines].sort();

/**
 * A registry that aggregates and sends to a fake transport (`memory` cannot
 * show what close() flushed: closing a MemoryWriter clears it).
 */
function transportRegistry(): { registry: Registry; lines: () => string[] } {
  const decoder = new TextDecoder();
  const datagrams: string[] = [];
  const registry = withEnv({}, () =>
    new Registry(
      new Config({
        ...AGGREGATE,
        location: "udp://127.0.0.1:9",
        logger: new CollectingLogger(),
        transport: () => ({
          send: (bytes) => void datagrams.push(decoder.decode(bytes)),
          close: () => Promise.resolve(),
        }),
      }),
    ));
  return { registry, lines: () => datagrams.flatMap((datagram) => datagram.split("\n")) };
}

test("Aggregated counters write one line per id and interval, with the sum", async () => {
  const { registry, writer } = aggregating();
  const ones = registry.counter("sum.ones");
  for (let i = 0; i < 1000; i++) ones.increment();
  const fractions = registry.counter("sum.fractions");
  for (const delta of [0.5, 0.25, 1.25, 2]) fractions.increment(delta);
  const tenths = registry.counter("sum.tenths");
  let expected = 0;
  for (let i = 0; i < 10; i++) {
    tenths.increment(0.1);
    expected += 0.1;
  }
  assert.ok(writer.isEmpty(), "nothing is written before the interval ends");
  await registry.flush();
  assert.deepEqual(sorted(writer.get()), ["c:sum.fractions:4", "c:sum.ones:1000", `c:sum.tenths:${expected}`]);
  writer.clear();
  ones.increment(3);
  await registry.flush();
  assert.deepEqual(writer.get(), ["c:sum.ones:3"], "each interval starts from zero");
  await registry.close();
});

test("Aggregation keeps ids apart: names, tags, types and gauge TTLs", async () => {
  const { registry, writer } = aggregating();
  registry.counter("apart", { status: "200" }).increment(1);
  registry.counter("apart", { status: "500" }).increment(2);
  registry.counter("apart", { status: "200" }).increment(3);
  registry.counter("apart.other", { status: "200" }).increment(4);
  registry.gauge("apart").set(5);
  registry.gauge("apart", undefined, 60).set(6);
  registry.maxGauge("apart").set(7);
  registry.monotonicCounter("apart").set(8);
  await registry.flush();
  assert.deepEqual(
    sorted(writer.get()),
    sorted([
      "c:apart,status=200:4",
      "c:apart,status=500:2",
      "c:apart.other,status=200:4",
      "g:apart:5",
      "g,60:apart:6",
      "m:apart:7",
      "C:apart:8",
    ]),
  );
  await registry.close();
});

test("Aggregated gauges, monotonic counters and age gauges write the last value", async () => {
  const { registry, writer } = aggregating();
  const gauge = registry.gauge("last.gauge");
  for (const value of [1, 50, 3]) gauge.set(value);
  const ttl = registry.gauge("last.ttl", undefined, 120);
  for (const value of [Infinity, -2.5]) ttl.set(value);
  const nan = registry.gauge("last.nan");
  for (const value of [1, NaN]) nan.set(value);
  const monotonic = registry.monotonicCounter("last.monotonic");
  for (const value of [10, 20, 15]) monotonic.set(value);
  const age = registry.ageGauge("last.age");
  age.set(1_700_000_000);
  age.now();
  const ageSet = registry.ageGauge("last.age.set");
  ageSet.now();
  ageSet.set(1_700_000_001);
  const uint = registry.monotonicCounterUint("last.uint");
  uint.set(1n);
  uint.set(2n ** 64n - 1n);
  const wrapped = registry.monotonicCounterUint("last.uint.wrapped");
  wrapped.set(5);
  wrapped.set(-1n);
  const number = registry.monotonicCounterUint("last.uint.number");
  number.set(2n);
  number.set(7);
  await registry.flush();
  assert.deepEqual(
    sorted(writer.get()),
    sorted([
      "g:last.gauge:3",
      "g,120:last.ttl:-2.5",
      "g:last.nan:NaN",
      "C:last.monotonic:15",
      "A:last.age:0",
      "A:last.age.set:1700000001",
      "U:last.uint:18446744073709551615",
      "U:last.uint.wrapped:18446744073709551615",
      "U:last.uint.number:7",
    ]),
  );
  await registry.close();
});

/**
 * The largest of `values` ignoring NaN, as SpectatorD's max does (the first of equal values stays, so -0 then 0 is
 * -0); NaN only when every value is NaN. Spelled as the line spells it, -0 with its sign.
 */
function maxIgnoringNaN(values: number[]): string {
  let max = NaN;
  for (const value of values) if (Number.isNaN(max) || value > max) max = value;
  return Object.is(max, -0) ? "-0" : String(max);
}

test("Aggregated max gauges write the interval's maximum, ignoring NaN as SpectatorD's max does", async () => {
  const { registry, writer } = aggregating();
  const intervals: number[][] = [
    [1, 5, 3],
    [-Infinity, -5, -7],
    [2],
    [1, NaN, 5],
    [NaN, 4],
    [4, NaN],
    [Infinity, 1],
    [-0, 0],
    [NaN],
    [NaN, NaN],
  ];
  const max = registry.maxGauge("max");
  for (const values of intervals) {
    writer.clear();
    for (const value of values) max.set(value);
    await registry.flush();
    assert.deepEqual(
      writer.get(),
      [`m:max:${maxIgnoringNaN(values)}`],
      `interval ${JSON.stringify(values.map(String))}`,
    );
  }
  await registry.close();
});

test("Timers, percentile timers and distribution summaries still write every sample at once", async () => {
  const { registry, writer } = aggregating();
  registry.timer("each.timer").record(0.5);
  registry.timer("each.timer").record(0.5);
  registry.pctTimer("each.pct.timer").record(1);
  registry.distributionSummary("each.summary").record(3);
  registry.distributionSummary("each.summary").record(4);
  registry.pctDistributionSummary("each.pct.summary").record(5);
  const expected = [
    "t:each.timer:0.5",
    "t:each.timer:0.5",
    "T:each.pct.timer:1",
    "d:each.summary:3",
    "d:each.summary:4",
    "D:each.pct.summary:5",
  ];
  assert.deepEqual(writer.get(), expected);
  await registry.flush();
  assert.deepEqual(writer.get(), expected, "a flush adds nothing for them");
  await registry.close();
});

test("Two meters for the same id share one slot and write one line", async () => {
  const { registry, writer } = aggregating();
  const id = new MeterId("shared");
  registry.counterWithId(id).increment(1);
  registry.counterWithId(id).increment(2);
  registry.gaugeWithId(id).set(1);
  registry.gaugeWithId(id).set(2);
  registry.maxGaugeWithId(id).set(9);
  registry.maxGaugeWithId(id).set(8);
  await registry.flush();
  assert.deepEqual(sorted(writer.get()), ["c:shared:3", "g:shared:2", "m:shared:9"]);

  const uncached = aggregating({ meterCacheSize: 0 });
  const one = uncached.registry.counter("shared", { a: "1" });
  const two = uncached.registry.counter("shared", { a: "1" });
  assert.notEqual(one, two);
  one.increment();
  two.increment();
  one.increment();
  await uncached.registry.flush();
  assert.deepEqual(uncached.writer.get(), ["c:shared,a=1:3"]);
  await Promise.all([registry.close(), uncached.registry.close()]);
});

test(
  "Two meters for the same id share one slot even after the id was idle for a few intervals",
  async () => {
    const { registry, writer } = aggregating({ meterCacheSize: 0 });
    const old = registry.gauge("idle.shared");
    old.set(0);
    for (let i = 0; i < 5; i++) await registry.flush();
    writer.clear();
    const made = registry.gauge("idle.shared");
    old.set(1);
    made.set(2);
    old.set(3);
    await registry.flush();
    // Two lines would reach SpectatorD in the order their slots were first marked: g:3, then g:2, so the gauge reads 2.
    assert.deepEqual(writer.get(), ["g:idle.shared:3"]);
    await registry.close();
  },
);

test(
  "An Aggregator shared by meters over two writers writes each meter's lines to its own writer",
  () => {
    const aggregator = new Aggregator(1000);
    const first = new MemoryWriter();
    const second = new MemoryWriter();
    new Counter(new MeterId("two.writers"), first, { aggregator }).increment(1);
    new Counter(new MeterId("two.writers"), second, { aggregator }).increment(2);
    aggregator.close();
    assert.deepEqual([first.get(), second.get()], [["c:two.writers:1"], ["c:two.writers:2"]]);
  },
);

test("An id is written again after idle intervals, and an interval without updates writes nothing", async () => {
  const { registry, writer } = aggregating();
  const counter = registry.counter("idle");
  const gauge = registry.gauge("idle");
  counter.increment();
  gauge.set(1);
  await registry.flush();
  assert.deepEqual(sorted(writer.get()), ["c:idle:1", "g:idle:1"]);
  writer.clear();
  for (let i = 0; i < 5; i++) await registry.flush();
  assert.ok(writer.isEmpty(), "no updates, no lines");
  counter.increment(2);
  gauge.set(2);
  await registry.flush();
  assert.deepEqual(sorted(writer.get()), ["c:idle:2", "g:idle:2"]);
  await registry.close();
});

test("Values a meter rejects never enter the aggregate", async () => {
  const { registry, writer } = aggregating();
  const counter = registry.counter("reject.counter");
  counter.increment(2);
  for (const delta of [-1, 0, -0, NaN, Infinity, -Infinity, "5", null, {}, 1n, true]) {
    (counter.increment as (delta: unknown) => void)(delta);
  }
  const gauge = registry.gauge("reject.gauge");
  gauge.set(4);
  for (const value of ["5", null, undefined, {}, 1n, true]) (gauge.set as (value: unknown) => void)(value);
  const max = registry.maxGauge("reject.max");
  max.set(1);
  for (const value of ["100", null, undefined, [100], 100n]) (max.set as (value: unknown) => void)(value);
  const uint = registry.monotonicCounterUint("reject.uint");
  uint.set(3n);
  for (const value of [1.5, NaN, Infinity, "9", null, undefined]) (uint.set as (value: unknown) => void)(value);
  const age = registry.ageGauge("reject.age");
  age.set(10);
  for (const value of ["20", null, undefined]) (age.set as (value: unknown) => void)(value);
  await registry.flush();
  assert.deepEqual(
    sorted(writer.get()),
    sorted(["c:reject.counter:2", "g:reject.gauge:4", "m:reject.max:1", "U:reject.uint:3", "A:reject.age:10"]),
  );
  const silent = registry.counter("reject.only");
  silent.increment(-5);
  silent.increment(NaN);
  writer.clear();
  await registry.flush();
  assert.ok(writer.isEmpty(), "an interval with only rejected values writes nothing");
  await registry.close();
});

test(
  "An aggregated counter never writes a sum that overflowed to Infinity",
  async () => {
    const { registry, writer } = aggregating();
    const counter = registry.counter("overflow");
    counter.increment(Number.MAX_VALUE);
    counter.increment(Number.MAX_VALUE);
    await registry.flush();
    assert.ok(writer.get().length > 0, "the increments are not lost silently");
    for (const line of writer.get()) {
      const value = Number(line.split(":")[2]);
      assert.ok(Number.isFinite(value) && value > 0, `${line} is not a valid counter line`);
    }
    await registry.close();
  },
);

test("Registry.close() writes what the aggregator holds before closing the writer", async () => {
  const { registry, lines } = transportRegistry();
  const counter = registry.counter("close.counter");
  for (let i = 0; i < 10; i++) counter.increment();
  registry.gauge("close.gauge").set(7);
  registry.timer("close.timer").record(1);
  await registry.close();
  assert.deepEqual(sorted(lines()), ["c:close.counter:10", "g:close.gauge:7", "t:close.timer:1"]);
  counter.increment();
  await tick(150);
  assert.deepEqual(sorted(lines()), ["c:close.counter:10", "g:close.gauge:7", "t:close.timer:1"]);
});

test("The interval timer writes aggregated lines without a flush, once per interval with updates", async () => {
  const { registry, writer } = aggregating();
  const counter = registry.counter("timed");
  const started = Date.now();
  counter.increment();
  counter.increment();
  await until(() => !writer.isEmpty(), "the interval to end", { timeoutMs: 2000 });
  const waited = Date.now() - started;
  assert.ok(waited >= 90, `written after ${waited} ms, before the 100 ms interval ended`);
  assert.deepEqual(writer.get(), ["c:timed:2"]);
  await tick(250);
  assert.deepEqual(writer.get(), ["c:timed:2"], "no updates, no more lines");
  counter.increment(5);
  await until(() => writer.get().length === 2, "the next interval to end", { timeoutMs: 2000 });
  assert.deepEqual(writer.get(), ["c:timed:2", "c:timed:5"]);
  await registry.close();
});

/** The lines aggregate_exit_fixture writes in `mode`. */
function fixtureLines(mode: string): string[] {
  const lines = ["t:agg.timer:0.25", "t:agg.timer:0.5", "g:agg.gauge:50", "m:agg.max:7"];
  if (mode !== "interval" && mode !== "exit") return sorted([...lines, `c:agg.counter,mode=${mode}:1000`]);
  return sorted([...lines, `c:agg.counter,mode=${mode}:1000`, `c:agg.counter,mode=${mode}:2`]);
}

for (const mode of ["end", "close-exit", "interval", "exit"]) {
  const what = {
    "end":
      "A child process that aggregates and simply ends delivers its lines, and the interval timer does not keep it alive",
    "close-exit": "A child process that aggregates, awaits close() and calls process.exit(0) delivers its lines",
    "interval": "A child process that aggregates delivers its lines at the end of each interval and at exit",
    "exit":
      "A child process that aggregates and calls process.exit() without close() delivers what its interval held (the socket open)",
  }[mode];
  test(what, async () => {
    const expected = fixtureLines(mode);
    assert.deepEqual(sorted(await linesFromChild("aggregate_exit_fixture", [mode], expected.length)), expected);
  });
}

test("Config validates aggregate, naming the value", () => {
  const configWith = (options: Record<string, unknown>) =>
    new Config({ location: "none", ...options } as ConfigOptions);
  assert.equal(configWith({}).aggregateIntervalMs, undefined);
  assert.equal(configWith({ aggregate: undefined }).aggregateIntervalMs, undefined);
  assert.equal(configWith({ aggregate: { intervalMs: 100 } }).aggregateIntervalMs, 100);
  assert.equal(configWith({ aggregate: { intervalMs: 60_000 } }).aggregateIntervalMs, 60_000);
  const shape = "aggregate must be an object such as { intervalMs: 1000 }";
  const range = "aggregate.intervalMs must be from 100 to 60000";
  const integer = "aggregate.intervalMs must be an integer";
  const cases: [value: unknown, error: string, message: string][] = [
    [1000, "TypeError", `${shape}: received 1000`],
    ["fast", "TypeError", `${shape}: received "fast"`],
    [null, "TypeError", `${shape}: received null`],
    [true, "TypeError", `${shape}: received true`],
    [{}, "TypeError", `${integer}: received undefined`],
    [{ interval: 1000 }, "TypeError", `${integer}: received undefined`],
    [{ intervalMs: 99 }, "RangeError", `${range}: received 99`],
    [{ intervalMs: 0 }, "RangeError", `${range}: received 0`],
    [{ intervalMs: -1000 }, "RangeError", `${range}: received -1000`],
    [{ intervalMs: 60_001 }, "RangeError", `${range}: received 60001`],
    [{ intervalMs: 150.5 }, "TypeError", `${integer}: received 150.5`],
    [{ intervalMs: "1000" }, "TypeError", `${integer}: received "1000"`],
    [{ intervalMs: NaN }, "TypeError", `${integer}: received NaN`],
    [{ intervalMs: Infinity }, "TypeError", `${integer}: received Infinity`],
  ];
  for (const [value, name, message] of cases) {
    assert.throws(() => configWith({ aggregate: value }), { name, message: `Cannot create Config: ${message}` });
  }
});
