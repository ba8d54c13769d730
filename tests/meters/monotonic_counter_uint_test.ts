import assert from "node:assert/strict";
import { test } from "node:test";
import { MeterId, MonotonicCounterUint } from "../../mod.ts";
import { linesOf, memoryWriter } from "../helpers/memory.ts";

const ID = new MeterId("monotonic_counter_uint");

test("MonotonicCounterUint.set() writes the value modulo 2^64 as an unsigned decimal", () => {
  const cases: [value: bigint | number, written: string][] = [
    [1n, "1"],
    [1, "1"],
    [0, "0"],
    [-0, "0"],
    [-1n, "18446744073709551615"],
    [-1, "18446744073709551615"],
    [2n ** 63n, "9223372036854775808"],
    [2n ** 64n - 1n, "18446744073709551615"],
    [2n ** 64n, "0"],
    [2n ** 64n + 5n, "5"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    [2 ** 64, "0"],
    [1e20, "7766279631452241920"],
    [-(2 ** 63), "9223372036854775808"],
  ];
  for (const [value, written] of cases) {
    const lines = linesOf((writer) => new MonotonicCounterUint(ID, writer), (counter) => counter.set(value));
    assert.deepEqual(lines, [`U:monotonic_counter_uint:${written}`], `${value}`);
  }
});

test("MonotonicCounterUint.set() drops non-integral numbers and other types with a warning", () => {
  const { writer, logger } = memoryWriter();
  const counter = new MonotonicCounterUint(new MeterId("uint.dropped"), writer);
  for (const value of [1.5, NaN, Infinity, -Infinity, "1", null, undefined, {}]) {
    counter.set(value as number);
  }
  assert.ok(writer.isEmpty());
  assert.deepEqual(logger.messages("warn"), [
    "spectator.meter: dropped a value of type number for U:uint.dropped: expected an integral number or a bigint",
  ]);
});
