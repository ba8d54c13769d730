// Runtime metrics (runtime_metrics.ts) on the runtime running the tests: the
// meters and tags each runtime reports, sane values, the event loop's own
// timers, GC accounting, stop(), and a process that starts them with default
// options still ends promptly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { type MeterId, parseProtocolLine } from "../mod.ts";
import { DEFAULT_RUNTIME_METRICS_INTERVAL_MS, startRuntimeMetrics } from "../runtime_metrics.ts";
import { parseMaxOpenFiles } from "../src/runtime_metrics/_fds.ts";
import { GcAccounting } from "../src/runtime_metrics/_gc_accounting.ts";
import { gcKindName, toGcEvent } from "../src/runtime_metrics/_gc_profiler.ts";
import { loopUtilization, runtimeTags } from "../src/runtime_metrics/_probes.ts";
import {
  REFERENCE_PERIODS,
  type RuntimeMetricsPeriods,
  startRuntimeMetricsWithPeriods,
} from "../src/runtime_metrics/runtime_metrics.ts";
import { memoryRegistry } from "./helpers/memory.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { tick, until } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;
const linux = (globalThis as { process?: { platform?: string } }).process?.platform === "linux";

interface Sample {
  symbol: string;
  id: MeterId;
  value: number;
}

function parse(lines: string[]): Sample[] {
  return lines.map((line) => {
    const [symbol, id, value] = parseProtocolLine(line);
    return { symbol, id, value: Number(value) };
  });
}

/** The last value written for `name` (and `id` tag, if given). */
function last(samples: Sample[], name: string, id?: string): Sample | undefined {
  return samples.findLast((s) => s.id.name() === name && (id === undefined || s.id.tags().id === id));
}

/** Every value written for `name`. */
function all(samples: Sample[], name: string): Sample[] {
  return samples.filter((s) => s.id.name() === name);
}

/** Blocks the event loop for `ms` milliseconds. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

/** Periods far beyond any test, so only the metric under test runs on a timer. */
const QUIET: RuntimeMetricsPeriods = { lagMs: 60_000, loopMs: 60_000, gcMs: 60_000 };
/** Runtimes whose `node:v8` reports V8's own heap statistics. */
const v8Heap = runtime === "node" || runtime === "deno";

/** The meters (symbol and name) every runtime reports, and those only some do. */
const EVERYWHERE = [
  ["g", "nodejs.rss"],
  ["g", "nodejs.heapUsed"],
  ["g", "nodejs.heapTotal"],
  ["g", "nodejs.external"],
  ["g", "nodejs.cpuUsage"],
  ["t", "nodejs.eventLoop"],
];

test("startRuntimeMetrics() reports memory, CPU and event-loop meters tagged with the runtime", async () => {
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 20 }, { ...QUIET, loopMs: 20 });
  await until(() => parse(writer.get()).some((s) => s.id.name() === "nodejs.eventLoop"), "a second sample", {
    timeoutMs: 5000,
  });
  await tick(60);
  const samples = parse(writer.get());
  const expected = [...EVERYWHERE];
  if (runtime === "node") expected.push(["g", "nodejs.eventLoopUtilization"]);
  if (linux) expected.push(["g", "openFileDescriptorsCount"], ["g", "maxFileDescriptorsCount"]);
  for (const [symbol, name] of expected) {
    const sample = last(samples, name);
    assert.ok(sample, `${name} is reported on ${runtime}`);
    assert.equal(sample.symbol, symbol, name);
    assert.equal(sample.id.tags().runtime, runtime, name);
    assert.equal(sample.id.tags()["runtime.version"], runtimeTags()["runtime.version"], name);
    assert.equal(sample.id.tags()["nodejs.version"], process.version, name);
    assert.ok(Number.isFinite(sample.value) && sample.value >= 0, `${name}: ${sample.value}`);
  }
  for (const s of samples) {
    assert.equal(s.id.tags().runtime, runtime, s.id.name());
    assert.match(s.id.tags()["nodejs.version"], /^v\d+\.\d+\.\d+/, s.id.name());
  }
  assert.notEqual(runtimeTags()["runtime.version"], "unknown");
  if (runtime === "node") assert.equal(runtimeTags()["nodejs.version"], `v${process.versions.node}`);
  assert.ok(last(samples, "nodejs.cpuUsage", "user"));
  assert.ok(last(samples, "nodejs.cpuUsage", "system"));
  assert.ok(last(samples, "nodejs.rss")!.value > 0, "rss > 0");
  assert.ok(
    last(samples, "nodejs.heapUsed")!.value <= last(samples, "nodejs.heapTotal")!.value,
    "heapUsed <= heapTotal",
  );
  if (linux) {
    assert.ok(last(samples, "openFileDescriptorsCount")!.value > 0, "open fds > 0");
    const soft = parseMaxOpenFiles(readFileSync("/proc/self/limits", "utf8"));
    assert.equal(last(samples, "maxFileDescriptorsCount")?.value, soft, "the soft limit of /proc/self/limits");
  } else {
    assert.equal(last(samples, "maxFileDescriptorsCount"), undefined);
  }
  const utilization = last(samples, "nodejs.eventLoopUtilization");
  if (utilization) assert.ok(utilization.value <= 100, `utilization ${utilization.value}`);
});

test("startRuntimeMetrics() records event-loop lag from its own timer, only when positive", async () => {
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 60_000 }, { ...QUIET, lagMs: 50 });
  block(250); // the 50 ms timer fires about 200 ms late
  await until(() => all(parse(writer.get()), "nodejs.eventLoopLag").length > 0, "a lag");
  await tick(120); // more firings, on time: no zero is written
  const lags = all(parse(writer.get()), "nodejs.eventLoopLag");
  assert.equal(lags[0].symbol, "t");
  assert.ok(lags[0].value >= 0.19 && lags[0].value < 1, `first lag ${lags[0].value} s`);
  for (const lag of lags) assert.ok(lag.value > 0, `lag ${lag.value}`);
  assert.equal(last(parse(writer.get()), "nodejs.rss"), undefined, "the 60 s sampling has not run");
});

test("startRuntimeMetrics() times one event-loop turn every loop period", async () => {
  const { registry, writer } = memoryRegistry();
  {
    using _metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 60_000 }, { ...QUIET, loopMs: 40 });
    await tick(420);
  }
  const turns = all(parse(writer.get()), "nodejs.eventLoop");
  assert.ok(turns.length >= 4 && turns.length <= 11, `${turns.length} turns in 420 ms at one per 40 ms`);
  for (const turn of turns) assert.ok(turn.symbol === "t" && turn.value >= 0 && turn.value < 1, `${turn.value}`);
  assert.deepEqual(REFERENCE_PERIODS, { lagMs: 1000, loopMs: 500, gcMs: 1000 });
});

test("startRuntimeMetrics() reports V8 heap and heap-space statistics where the engine is V8", async () => {
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 20 }, QUIET);
  await until(() => all(parse(writer.get()), "nodejs.rss").length >= 3, "three samples");
  const samples = parse(writer.get());
  const statistics = ["nodejs.heapSizeLimit", "nodejs.usedHeapSize", "nodejs.totalHeapSize", "nodejs.mallocedMemory"];
  const spaces = ["nodejs.spaceSize", "nodejs.spaceUsedSize", "nodejs.spaceAvailableSize", "nodejs.physicalSpaceSize"];
  if (!v8Heap) {
    for (const name of [...statistics, ...spaces]) {
      assert.equal(last(samples, name), undefined, `${name} on ${runtime}`);
    }
    return;
  }
  for (const name of statistics) {
    const sample = last(samples, name);
    assert.ok(sample, name);
    assert.equal(sample.symbol, "g", name);
    assert.equal(sample.id.tags().id, undefined, name);
    assert.equal(sample.id.tags()["nodejs.version"], process.version, name);
  }
  assert.ok(last(samples, "nodejs.heapSizeLimit")!.value > 1 << 20);
  assert.ok(last(samples, "nodejs.usedHeapSize")!.value <= last(samples, "nodejs.totalHeapSize")!.value);
  for (const name of spaces) {
    for (const id of ["newSpace", "oldSpace", "codeSpace", "largeObjectSpace"]) {
      const sample = last(samples, name, id);
      assert.ok(sample && sample.symbol === "g" && sample.value >= 0, `${name} id=${id}`);
    }
  }
  assert.ok(last(samples, "nodejs.spaceUsedSize", "oldSpace")!.value > 0);
  assert.equal(samples.some((s) => s.id.tags().id?.includes("_")), false, "space ids are camelCase");
});

test("startRuntimeMetrics() reports GC pauses, and on V8 the GC rates and sizes, from v8.GCProfiler", async () => {
  const started = performance.now();
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 60_000 }, { ...QUIET, gcMs: 30 });
  const kept: unknown[][] = [];
  await until(
    () => {
      // Garbage, and a slice of it kept so that it is promoted until a full collection runs.
      const chunk = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` }));
      kept.push(chunk.slice(0, 4_000));
      // On V8, until a collection sets the live data size; on Bun, which reports pauses only, until a pause.
      return last(parse(writer.get()), v8Heap ? "nodejs.gc.liveDataSize" : "nodejs.gc.pause") !== undefined;
    },
    v8Heap ? "the live data size" : "a GC pause",
    { timeoutMs: 4_000, intervalMs: 5 },
  );
  await tick(60);
  const samples = parse(writer.get());
  const pauses = all(samples, "nodejs.gc.pause");
  for (const pause of pauses) {
    assert.equal(pause.symbol, "t");
    assert.ok(pause.value >= 0 && pause.value < 1, `pause ${pause.value} s`);
    assert.notEqual(gcKindName(pause.id.tags().id[0].toUpperCase() + pause.id.tags().id.slice(1)), "unknown");
  }
  assert.ok(last(samples, "nodejs.gc.pause", "scavenge"), "a scavenge");
  const paused = pauses.reduce((sum, pause) => sum + pause.value, 0);
  const elapsed = (performance.now() - started) / 1000;
  assert.ok(paused > 0 && paused < elapsed, `${paused} s of pauses in ${elapsed} s: the profiler's cost unit`);
  const rates = ["nodejs.gc.allocationRate", "nodejs.gc.promotionRate"];
  const sizes = ["nodejs.gc.liveDataSize", "nodejs.gc.maxDataSize"];
  if (!v8Heap) {
    for (const name of [...rates, ...sizes]) assert.equal(last(samples, name), undefined, `${name} on ${runtime}`);
    return;
  }
  for (const name of rates) {
    assert.ok(all(samples, name).every((s) => s.symbol === "c" && s.value > 0), name);
    assert.ok(last(samples, name), name);
  }
  for (const name of sizes) assert.equal(last(samples, name)?.symbol, "g", name);
  assert.ok(last(samples, "nodejs.gc.liveDataSize")!.value > 0);
  assert.ok(last(samples, "nodejs.gc.maxDataSize")!.value > last(samples, "nodejs.gc.liveDataSize")!.value);
});

test("GcAccounting: promotion, live data and allocation as spectator's Node.js metrics count them", () => {
  type Used = [newSpace: number, oldSpace: number, largeObjectSpace: number];
  const spaces = ([young, old, large]: Used) =>
    new Map([["new_space", young], ["old_space", old], ["large_object_space", large]]);
  const accounting = new GcAccounting();
  const collect = (kind: string, before: Used, after: Used) =>
    accounting.account({ kind, seconds: 0.001, before: spaces(before), after: spaces(after) });
  const first = collect("scavenge", [1000, 5000, 100], [200, 5300, 100]);
  assert.deepEqual(first, { promoted: 300, liveDataSize: undefined, allocated: 800 });
  const second = collect("markSweepCompact", [300, 5300, 700], [300, 5300, 0]);
  assert.deepEqual(second, { liveDataSize: 5300, allocated: 600 }, "a full collection sets the live data");
  const third = collect("scavenge", [100, 5400, 0], [100, 5500, 0]);
  assert.deepEqual(third, { promoted: 100, liveDataSize: 5300 }, "the live data is repeated");
  assert.deepEqual(
    new GcAccounting().account({
      kind: "scavenge",
      seconds: 0,
      before: new Map([["heap", 9]]),
      after: new Map([["heap", 1]]),
    }),
    {},
  );
});

test("toGcEvent() names the kind, converts the cost and drops a zero heap limit", () => {
  const snapshot = (used: number, limit: number) => ({
    heapStatistics: { heapSizeLimit: limit },
    heapSpaceStatistics: [{ spaceName: "old_space", spaceUsedSize: used }],
  });
  const event = toGcEvent({
    gcType: "MinorMarkCompact",
    cost: 1500,
    beforeGC: snapshot(10, 0),
    afterGC: snapshot(4, 64),
  }, 1e-6);
  assert.equal(event.kind, "minorMarkCompact");
  assert.equal(event.seconds, 0.0015);
  assert.equal(event.heapSizeLimit, 64);
  assert.deepEqual([event.before.get("old_space"), event.after.get("old_space")], [10, 4]);
  assert.equal(
    toGcEvent({ gcType: "Scavenge", cost: 1, beforeGC: snapshot(1, 0), afterGC: snapshot(1, 0) }).heapSizeLimit,
    undefined,
  );
});

test("RuntimeMetrics.stop() stops every update", async () => {
  const { registry, writer } = memoryRegistry();
  const metrics = startRuntimeMetricsWithPeriods(registry, { intervalMs: 10 }, { lagMs: 10, loopMs: 10, gcMs: 10 });
  const names = () => new Set(parse(writer.get()).map((s) => s.id.name()));
  let garbage: unknown[] = [];
  await until(
    () => {
      garbage = Array.from({ length: 50_000 }, (_, i) => ({ i })); // collections for the GC profiler
      block(30); // lag for the lag timer
      return ["nodejs.rss", "nodejs.eventLoop", "nodejs.eventLoopLag", "nodejs.gc.pause"].every((n) => names().has(n));
    },
    "every timer's meters",
    { timeoutMs: 10_000 },
  );
  metrics.stop();
  metrics.stop();
  const count = writer.get().length;
  for (let i = 0; i < 5; i++) {
    garbage = Array.from({ length: 50_000 }, (_, i) => ({ i }));
    block(30);
    await tick(20);
  }
  assert.equal(writer.get().length, count, `no line after stop(): ${writer.get().slice(count)}`);
  assert.ok(garbage.length > 0);
});

test("startRuntimeMetrics() writes nothing before its first interval and adds the given tags", async () => {
  const { registry, writer } = memoryRegistry();
  {
    using _metrics = startRuntimeMetrics(registry, { intervalMs: 30, tags: { app: "demo" } });
    assert.ok(writer.isEmpty(), "nothing at start");
    await until(() => writer.get().length > 0, "a sample");
  }
  for (const s of parse(writer.get())) assert.equal(s.id.tags().app, "demo");
});

test("startRuntimeMetrics() rejects an interval that is not a positive finite number", () => {
  const { registry } = memoryRegistry();
  for (const intervalMs of [0, -1, Number.NaN, Infinity, "5" as unknown as number]) {
    assert.throws(() => startRuntimeMetrics(registry, { intervalMs }), RangeError, String(intervalMs));
  }
  assert.equal(DEFAULT_RUNTIME_METRICS_INTERVAL_MS, 60_000);
});

test("Runtime metric helpers: GC kind names, the max-open-files limit and event-loop utilization", () => {
  assert.equal(gcKindName("Scavenge"), "scavenge");
  assert.equal(gcKindName("MinorMarkSweep"), "minorMarkSweep");
  assert.equal(gcKindName("MarkSweepCompact"), "markSweepCompact");
  assert.equal(gcKindName("IncrementalMarking"), "incrementalMarking");
  assert.equal(gcKindName("ProcessWeakCallbacks"), "processWeakCallbacks");
  assert.equal(gcKindName("toString"), "unknown");
  const limits = "Limit                     Soft Limit           Hard Limit           Units\n" +
    "Max open files            1024                 4096                 files\n";
  assert.equal(parseMaxOpenFiles(limits), 1024);
  assert.equal(parseMaxOpenFiles(limits.replace("1024", "unlimited")), undefined);
  assert.equal(parseMaxOpenFiles("Max processes 10 10 processes"), undefined);
  const previous = { idle: 100, active: 100, utilization: 0.5 };
  assert.equal(loopUtilization({ idle: 400, active: 200, utilization: 0 }, previous), 0.25);
  assert.equal(loopUtilization(previous, previous), 0);
});

test("A program that starts runtime metrics with default options ends promptly", async () => {
  const started = Date.now();
  const { code, stdout, stderr } = await runFixture("runtime_metrics_fixture", {
    args: ["default"],
    timeoutMs: 15_000,
  });
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), "started");
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test("Deno without permissions: runtime metrics skip the fd counts and never throw", async (t) => {
  if (runtime !== "deno") {
    t.skip("Deno permissions only");
    return;
  }
  const { code, stdout, stderr } = await runFixture("runtime_metrics_fixture", { args: ["sample"], denoFlags: [] });
  assert.equal(code, 0, stderr);
  const samples = parse(stdout.trim().split("\n").filter((line) => line !== ""));
  assert.ok(last(samples, "nodejs.rss"), stdout);
  assert.ok(last(samples, "nodejs.usedHeapSize"), "node:v8 needs no permission");
  assert.equal(last(samples, "openFileDescriptorsCount"), undefined);
  assert.equal(last(samples, "maxFileDescriptorsCount"), undefined);
});
