import assert from "node:assert/strict";
import { test } from "node:test";
import { type Aggregation, FoldTable } from "../src/_fold_table.ts";

/** A fold table whose lines are collected as `<key><value>`, and how often it asked to be drained. */
function table() {
  const lines: string[] = [];
  let pendings = 0;
  const folds = new FoldTable(() => pendings++);
  const updater = (key: string, aggregation: Aggregation) =>
    folds.updater(key, aggregation, (value) => void lines.push(`${key}${Object.is(value, -0) ? "-0" : value}`));
  return { folds, lines, updater, pendings: () => pendings };
}

test("FoldTable sums a counter's updates into one line per drain, and counts the folded updates", () => {
  const { folds, lines, updater, pendings } = table();
  const increment = updater("c:requests:", "sum");
  for (let i = 0; i < 1000; i++) increment(1);
  increment(0.5);
  assert.equal(folds.pending, true);
  assert.equal(pendings(), 1, "told once, when the first update waits");
  folds.drain();
  assert.deepEqual(lines, ["c:requests:1000.5"]);
  assert.equal(folds.foldedUpdates, 1000);
  assert.equal(folds.pending, false);
  folds.drain();
  assert.deepEqual(lines, ["c:requests:1000.5"], "nothing waits: nothing is written");
  increment(3);
  folds.drain();
  assert.deepEqual(lines, ["c:requests:1000.5", "c:requests:3"], "each drain starts from zero");
  assert.equal(pendings(), 2);
});

test("FoldTable writes a sum that would overflow to Infinity and starts again", () => {
  const { folds, lines, updater } = table();
  const increment = updater("c:huge:", "sum");
  increment(Number.MAX_VALUE);
  increment(Number.MAX_VALUE);
  increment(1);
  assert.deepEqual(lines, [`c:huge:${Number.MAX_VALUE}`], "written at once");
  folds.drain();
  assert.deepEqual(lines, [`c:huge:${Number.MAX_VALUE}`, `c:huge:${Number.MAX_VALUE}`]);
  assert.equal(folds.foldedUpdates, 1, "three updates, two lines");
});

test("FoldTable keeps a max gauge's largest value, where NaN gives way to any number", () => {
  const cases: [values: number[], max: string][] = [
    [[3, 7, 5], "7"],
    [[NaN, 2, 1], "2"],
    [[2, NaN, 1], "2"],
    [[NaN, NaN], "NaN"],
    [[-Infinity, -5], "-5"],
    [[-0, 0], "-0"], // SpectatorD's max keeps the first of equal values
    [[1, Infinity], "Infinity"],
  ];
  for (const [values, max] of cases) {
    const { folds, lines, updater } = table();
    const set = updater("m:peak:", "max");
    for (const value of values) set(value);
    folds.drain();
    assert.deepEqual(lines, [`m:peak:${max}`], `${values}`);
  }
});

test("FoldTable keeps the last value of gauges, monotonic counters and age gauges, numbers and text alike", () => {
  const { folds, lines, updater } = table();
  const gauge = updater("g,60:queue:", "last");
  const uint = updater("U:packets:", "last");
  const age = updater("A:lastSuccess:", "last");
  gauge(1);
  gauge(NaN);
  gauge(-2.5);
  uint("18446744073709551615");
  uint("5");
  age("0");
  age(1700000000);
  age("0");
  folds.drain();
  assert.deepEqual(lines, ["g,60:queue:-2.5", "U:packets:5", "A:lastSuccess:0"], "in the order ids were first updated");
  age(1700000001);
  folds.drain();
  assert.equal(lines.at(-1), "A:lastSuccess:1700000001", "a number after text is written as the number");
  assert.equal(folds.foldedUpdates, 5);
});

test("FoldTable shares one slot between updaters of one key, and holds one slot per key", () => {
  const { folds, lines, updater } = table();
  const first = updater("c:shared:", "sum");
  const second = updater("c:shared:", "sum");
  const other = updater("c:other:", "sum");
  first(1);
  second(2);
  other(4);
  assert.equal(folds.size, 2);
  folds.drain();
  assert.deepEqual(lines, ["c:shared:3", "c:other:4"]);
});

test("FoldTable goes on draining when one line's write throws, tells its owner, and the update never throws", () => {
  const lines: string[] = [];
  const lost: unknown[] = [];
  const table = new FoldTable(() => {}, undefined, (error) => void lost.push(error));
  const emitter = (prefix: string) => (value: number | string) => {
    if (prefix === "c:b:") throw new Error("the writer broke");
    lines.push(`${prefix}${value}`);
  };
  const updaters = ["c:a:", "c:b:", "c:c:"].map((prefix) => table.updater(prefix, "sum", emitter(prefix)));
  for (const update of updaters) update(1);
  table.drain();
  assert.deepEqual(lines, ["c:a:1", "c:c:1"]);
  assert.equal(lost.length, 1);
  // Every slot can wait again: none is left behind by the throw.
  for (const update of updaters) update(2);
  table.drain();
  assert.deepEqual(lines, ["c:a:1", "c:c:1", "c:a:2", "c:c:2"]);
  // A sum past Number.MAX_VALUE writes from inside the update: the throw stops there.
  const overflow = table.updater("c:b:", "sum", emitter("c:b:"));
  overflow(Number.MAX_VALUE);
  overflow(Number.MAX_VALUE);
  assert.equal(lost.length, 3);
});
