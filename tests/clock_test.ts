import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock, SystemClock } from "../mod.ts";
import { tick } from "./helpers/wait.ts";

test("SystemClock.wallTime() gives seconds since the epoch and moves forward", async () => {
  const clock = new SystemClock();
  const start = clock.wallTime();
  assert.ok(Math.abs(start - Date.now() / 1000) < 1, String(start));
  await tick(15);
  assert.ok(clock.wallTime() > start);
});

test("SystemClock.monotonicTime() moves forward", async () => {
  const clock = new SystemClock();
  const start = clock.monotonicTime();
  await tick(15);
  const end = clock.monotonicTime();
  assert.ok(end - start >= 0.01, `${end} - ${start}`);
});

test("ManualClock starts at 0, or at the times given", () => {
  const clock = new ManualClock();
  assert.deepEqual([clock.wallTime(), clock.monotonicTime()], [0, 0]);
  const given = new ManualClock(1, 2);
  assert.deepEqual([given.wallTime(), given.monotonicTime()], [1, 2]);
});

test("ManualClock moves only when set", () => {
  const clock = new ManualClock();
  clock.setWallTime(1);
  assert.deepEqual([clock.wallTime(), clock.monotonicTime()], [1, 0]);
  clock.setMonotonicTime(2);
  assert.deepEqual([clock.wallTime(), clock.monotonicTime()], [1, 2]);
});
