import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, MemoryWriter, MeterId } from "../mod.ts";

test("Counter.increment() writes the delta, 1 by default", () => {
  const counter = new Counter(new MeterId("counter"), new MemoryWriter());
  const writer = counter.writer() as MemoryWriter;
  assert.ok(writer.isEmpty());
  counter.increment();
  assert.equal(writer.lastLine(), "c:counter:1");
  counter.increment(2);
  assert.equal(writer.lastLine(), "c:counter:2");
});

test("Counter.increment() drops non-positive deltas", () => {
  const counter = new Counter(new MeterId("counter"), new MemoryWriter());
  counter.increment(-1);
  counter.increment(0);
  counter.increment(NaN);
  counter.increment(Infinity);
  assert.ok((counter.writer() as MemoryWriter).isEmpty());
});
