// Runtime metrics (runtime_metrics.ts) on the runtime running the tests: the
// meters and tags each runtime reports, sane values, stop(), and a process
// that starts them with default options still ends promptly.
import assert from "node:assert/strict";
import { test } from "node:test";
import { detectRuntime, type MeterId, parseProtocolLine } from "../mod.ts";
import { DEFAULT_RUNTIME_METRICS_INTERVAL_MS, startRuntimeMetrics } from "../runtime_metrics.ts";
import { gcKindName, loopUtilization, runtimeTags } from "../src/runtime_metrics/_probes.ts";
import { memoryRegistry } from "./helpers/memory.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { tick, until } from "./helpers/wait.ts";

const runtime = detectRuntime();
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

/** The meters (symbol and name) every runtime reports, and those only some do. */
const EVERYWHERE = [
  ["g", "nodejs.rss"],
  ["g", "nodejs.heapUsed"],
  ["g", "nodejs.heapTotal"],
  ["g", "nodejs.external"],
  ["g", "nodejs.cpuUsage"],
  ["t", "nodejs.eventLoopLag"],
  ["t", "nodejs.eventLoop"],
];

test("startRuntimeMetrics() reports memory, CPU and event-loop meters tagged with the runtime", async () => {
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetrics(registry, { intervalMs: 20 });
  await until(() => parse(writer.get()).some((s) => s.id.name() === "nodejs.eventLoop"), "a second sample", {
    timeoutMs: 5000,
  });
  await tick(60);
  const samples = parse(writer.get());
  const expected = [...EVERYWHERE];
  if (runtime === "node") expected.push(["g", "nodejs.eventLoopUtilization"]);
  if (linux) expected.push(["g", "openFileDescriptorsCount"]);
  for (const [symbol, name] of expected) {
    const sample = last(samples, name);
    assert.ok(sample, `${name} is reported on ${runtime}`);
    assert.equal(sample.symbol, symbol, name);
    assert.equal(sample.id.tags().runtime, runtime, name);
    assert.equal(sample.id.tags()["runtime.version"], runtimeTags()["runtime.version"], name);
    assert.ok(Number.isFinite(sample.value) && sample.value >= 0, `${name}: ${sample.value}`);
  }
  for (const s of samples) assert.equal(s.id.tags().runtime, runtime, s.id.name());
  assert.notEqual(runtimeTags()["runtime.version"], "unknown");
  assert.ok(last(samples, "nodejs.cpuUsage", "user"));
  assert.ok(last(samples, "nodejs.cpuUsage", "system"));
  assert.ok(last(samples, "nodejs.rss")!.value > 0, "rss > 0");
  assert.ok(
    last(samples, "nodejs.heapUsed")!.value <= last(samples, "nodejs.heapTotal")!.value,
    "heapUsed <= heapTotal",
  );
  if (linux) assert.ok(last(samples, "openFileDescriptorsCount")!.value > 0, "open fds > 0");
  const utilization = last(samples, "nodejs.eventLoopUtilization");
  if (utilization) assert.ok(utilization.value <= 100, `utilization ${utilization.value}`);
});

test("startRuntimeMetrics() reports GC pauses by kind where PerformanceObserver observes gc", async (t) => {
  const Observer = (globalThis as { PerformanceObserver?: { supportedEntryTypes?: readonly string[] } })
    .PerformanceObserver;
  if (!Observer?.supportedEntryTypes?.includes("gc")) {
    t.skip(`no gc entries on ${runtime}`);
    return;
  }
  const { registry, writer } = memoryRegistry();
  using _metrics = startRuntimeMetrics(registry, { intervalMs: 60_000 });
  let garbage: unknown[] = [];
  await until(
    () => {
      for (let i = 0; i < 10_000; i++) garbage.push({ i, s: `x${i}` });
      garbage = garbage.length > 200_000 ? [] : garbage;
      return parse(writer.get()).some((s) => s.id.name() === "nodejs.gc.pause");
    },
    "a GC pause",
    { timeoutMs: 10_000 },
  );
  const pause = last(parse(writer.get()), "nodejs.gc.pause")!;
  assert.equal(pause.symbol, "t");
  assert.ok(pause.value >= 0);
  assert.ok(
    ["scavenge", "minorMarkSweep", "markSweepCompact", "incrementalMarking", "processWeakCallbacks"]
      .includes(pause.id.tags().id),
    pause.id.tags().id,
  );
});

test("RuntimeMetrics.stop() stops every update", async () => {
  const { registry, writer } = memoryRegistry();
  const metrics = startRuntimeMetrics(registry, { intervalMs: 10 });
  await until(() => writer.get().length > 0, "a sample");
  metrics.stop();
  metrics.stop();
  await tick(20); // a loop-time measurement in flight is dropped
  const count = writer.get().length;
  await tick(100);
  assert.equal(writer.get().length, count, "no line after stop()");
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

test("Runtime metric helpers: GC kind names and event-loop utilization", () => {
  assert.equal(gcKindName(1), "scavenge");
  assert.equal(gcKindName(4), "markSweepCompact");
  assert.equal(gcKindName(8), "incrementalMarking");
  assert.equal(gcKindName(16), "processWeakCallbacks");
  assert.equal(gcKindName(undefined), "unknown");
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

test("Deno without permissions: runtime metrics skip the fd count and never throw", async (t) => {
  if (runtime !== "deno") {
    t.skip("Deno permissions only");
    return;
  }
  const { code, stdout, stderr } = await runFixture("runtime_metrics_fixture", { args: ["sample"], denoFlags: [] });
  assert.equal(code, 0, stderr);
  const samples = parse(stdout.trim().split("\n").filter((line) => line !== ""));
  assert.ok(last(samples, "nodejs.rss"), stdout);
  assert.equal(last(samples, "openFileDescriptorsCount"), undefined);
});
