import assert from "node:assert/strict";
import { test } from "node:test";
import { MeterId, PercentileTimer, Timer } from "../../mod.ts";
import { linesOf, memoryWriter } from "../helpers/memory.ts";

test("Timer.record() takes seconds, writing fractions as given and -0 with its sign (spectator-py's -0.0)", () => {
  for (const [Meter, symbol] of [[Timer, "t"], [PercentileTimer, "T"]] as const) {
    const lines = linesOf((writer) => new Meter(new MeterId("latency"), writer), (timer) => {
      timer.record(0.042);
      timer.record(-0);
      timer.record(-0.001);
    });
    assert.deepEqual(lines, [`${symbol}:latency:0.042`, `${symbol}:latency:-0`]);
  }
});

test("Timer.record() takes a bigint of nanoseconds, as a process.hrtime.bigint() difference", () => {
  for (const [Meter, symbol] of [[Timer, "t"], [PercentileTimer, "T"]] as const) {
    const lines = linesOf((writer) => new Meter(new MeterId("latency"), writer), (timer) => {
      timer.record(1_500_000_000n);
      timer.record(42n);
      timer.record(0n);
      timer.record(-1n);
    });
    assert.deepEqual(lines, [`${symbol}:latency:1.5`, `${symbol}:latency:4.2e-8`, `${symbol}:latency:0`]);
  }
});

test("Timer.record() takes [seconds, nanoseconds], as process.hrtime(start) gives them", () => {
  for (const [Meter, symbol] of [[Timer, "t"], [PercentileTimer, "T"]] as const) {
    const lines = linesOf((writer) => new Meter(new MeterId("latency"), writer), (timer) => {
      timer.record([1, 500_000_000]);
      timer.record([0, 6_000_000] as const);
      timer.record([-1, 0]);
    });
    assert.deepEqual(lines, [`${symbol}:latency:1.5`, `${symbol}:latency:0.006`]);
  }
});

test("Timer.record(seconds, nanoseconds) adds the nanoseconds, as spectator-js does", () => {
  const record = (timer: Timer, ...args: unknown[]) => (timer.record as (...args: unknown[]) => void)(...args);
  const lines = linesOf((writer) => new Timer(new MeterId("latency"), writer), (timer) => {
    record(timer, 0, 6e6);
    record(timer, 2, 500_000_000);
  });
  assert.deepEqual(lines, ["t:latency:0.006", "t:latency:2.5"]);
});

test("Timer.record() drops durations of other shapes with a warning, without throwing", () => {
  const { writer, logger } = memoryWriter();
  const timer = new Timer(new MeterId("latency"), writer);
  const record = timer.record as (...args: unknown[]) => void;
  for (const bad of [[1], [1, 2, 3], ["1", 0], [1, "0"], "1", { 0: 1, 1: 0 }, [1n, 0]]) record.call(timer, bad);
  record.call(timer, 1n, 5);
  record.call(timer, [1, 0], 5);
  record.call(timer, 1, "5");
  assert.deepEqual(writer.get(), []);
  assert.equal(logger.messages("warn").length, 1); // rate-limited: one per meter and minute
  assert.match(
    logger.messages("warn")[0],
    /^spectator\.meter: dropped a value of type object for t:latency: expected /,
  );
});
