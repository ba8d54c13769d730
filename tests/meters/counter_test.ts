import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, MemoryWriter, MeterId } from "../../mod.ts";
import { linesOf } from "../helpers/memory.ts";

const ID = new MeterId("counter");

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
  counter.increment(-0);
  counter.increment(NaN);
  counter.increment(Infinity);
  counter.increment(-Infinity);
  assert.ok((counter.writer() as MemoryWriter).isEmpty());
});

test("Counter.increment() writes fractional and tiny deltas in JavaScript's spelling", () => {
  const lines = linesOf((writer) => new Counter(ID, writer), (counter) => {
    counter.increment(2.5);
    counter.increment(1e-7);
    counter.increment(3);
  });
  assert.deepEqual(lines, ["c:counter:2.5", "c:counter:1e-7", "c:counter:3"]);
});

test("Counter.increment(undefined) counts one, like increment()", () => {
  const lines = linesOf((writer) => new Counter(ID, writer), (counter) => counter.increment(undefined));
  assert.deepEqual(lines, ["c:counter:1"]);
});

test("Counter.add() is increment() under spectator-js's name", () => {
  const lines = linesOf((writer) => new Counter(ID, writer), (counter) => {
    counter.add();
    counter.add(2.5);
    counter.add(-1);
  });
  assert.deepEqual(lines, ["c:counter:1", "c:counter:2.5"]);
});
