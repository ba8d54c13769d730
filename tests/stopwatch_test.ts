import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock, StopWatch } from "../mod.ts";
import { memoryRegistry } from "./helpers/memory.ts";

test("StopWatch with using records the elapsed seconds in a timer or percentile timer at scope exit", () => {
  const { registry, writer } = memoryRegistry();
  for (
    const [timer, seconds, line] of [
      [registry.timer("timer"), 42, "t:timer:42"],
      [registry.pctTimer("pct_timer"), 33, "T:pct_timer:33"],
    ] as const
  ) {
    writer.clear();
    const clock = new ManualClock();
    {
      using _watch = new StopWatch(timer, clock);
      clock.setMonotonicTime(seconds);
      assert.ok(writer.isEmpty(), "nothing is recorded inside the scope");
    }
    assert.deepEqual(writer.get(), [line]);
  }
});

test("StopWatch measures from its construction, not from zero", () => {
  const { registry, writer } = memoryRegistry();
  const clock = new ManualClock(0, 10);
  const watch = new StopWatch(registry.timer("work"), clock);
  clock.setMonotonicTime(12.5);
  assert.equal(watch.duration(), 2.5);
  watch.stop();
  assert.deepEqual(writer.get(), ["t:work:2.5"]);
});

test("StopWatch writes nothing until stop(), which records once, and scope exit adds nothing", () => {
  const { registry, writer } = memoryRegistry();
  const clock = new ManualClock();
  {
    using watch = new StopWatch(registry.timer("once"), clock);
    clock.setMonotonicTime(1);
    assert.equal(watch.duration(), 1);
    assert.ok(writer.isEmpty());
    watch.stop();
    clock.setMonotonicTime(5);
    watch.stop();
  }
  assert.deepEqual(writer.get(), ["t:once:1"]);
});

test("StopWatch uses the system clock by default", () => {
  const { registry, writer } = memoryRegistry();
  const watch = new StopWatch(registry.timer("system"));
  assert.ok(watch.duration() >= 0);
  watch.stop();
  const [line] = writer.get();
  assert.match(line, /^t:system:/);
  assert.ok(Number(line.slice("t:system:".length)) >= 0, line);
});
