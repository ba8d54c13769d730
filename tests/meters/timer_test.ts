import assert from "node:assert/strict";
import { test } from "node:test";
import { MeterId, PercentileTimer, Timer } from "../../mod.ts";
import { linesOf } from "../helpers/memory.ts";

test("Timer.record() takes seconds, writing fractions as given and -0 as 0", () => {
  for (const [Meter, symbol] of [[Timer, "t"], [PercentileTimer, "T"]] as const) {
    const lines = linesOf((writer) => new Meter(new MeterId("latency"), writer), (timer) => {
      timer.record(0.042);
      timer.record(-0);
      timer.record(-0.001);
    });
    assert.deepEqual(lines, [`${symbol}:latency:0.042`, `${symbol}:latency:0`]);
  }
});
