import assert from "node:assert/strict";
import { test } from "node:test";
import { MaxGauge, MeterId } from "../../mod.ts";
import { linesOf } from "../helpers/memory.ts";

test("MaxGauge.set() writes every value offered, zero and negatives included", () => {
  const lines = linesOf((writer) => new MaxGauge(new MeterId("max_gauge"), writer), (gauge) => {
    gauge.set(0);
    gauge.set(17);
    gauge.set(-5);
  });
  assert.deepEqual(lines, ["m:max_gauge:0", "m:max_gauge:17", "m:max_gauge:-5"]);
});

test("MaxGauge.update() is set() under spectator-js's name", () => {
  const lines = linesOf((writer) => new MaxGauge(new MeterId("max_gauge"), writer), (gauge) => gauge.update(17));
  assert.deepEqual(lines, ["m:max_gauge:17"]);
});
