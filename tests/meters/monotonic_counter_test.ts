import assert from "node:assert/strict";
import { test } from "node:test";
import { MeterId, MonotonicCounter } from "../../mod.ts";
import { linesOf } from "../helpers/memory.ts";

test("MonotonicCounter.set() writes the source's value, negative and fractional ones too", () => {
  const lines = linesOf((writer) => new MonotonicCounter(new MeterId("monotonic_counter"), writer), (counter) => {
    counter.set(1);
    counter.set(-1);
    counter.set(123456.5);
  });
  assert.deepEqual(lines, ["C:monotonic_counter:1", "C:monotonic_counter:-1", "C:monotonic_counter:123456.5"]);
});
