import assert from "node:assert/strict";
import { test } from "node:test";
import { AgeGauge, MeterId } from "../../mod.ts";
import { linesOf } from "../helpers/memory.ts";

const ID = new MeterId("age_gauge");

test("AgeGauge.now() writes 0, which SpectatorD reads as now", () => {
  assert.deepEqual(linesOf((writer) => new AgeGauge(ID, writer), (gauge) => gauge.now()), ["A:age_gauge:0"]);
});

test("AgeGauge.set() writes the epoch seconds of the last success", () => {
  const lines = linesOf((writer) => new AgeGauge(ID, writer), (gauge) => {
    gauge.set(10);
    gauge.set(1700000000.25);
    gauge.now();
  });
  assert.deepEqual(lines, ["A:age_gauge:10", "A:age_gauge:1700000000.25", "A:age_gauge:0"]);
});
