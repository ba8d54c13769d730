import assert from "node:assert/strict";
import { test } from "node:test";
import { Gauge, MeterId } from "../../mod.ts";
import { linesOf, memoryWriter } from "../helpers/memory.ts";

const ID = new MeterId("gauge");

test("Gauge.set() writes g:<id>:<value>", () => {
  assert.deepEqual(linesOf((writer) => new Gauge(ID, writer), (gauge) => gauge.set(1)), ["g:gauge:1"]);
});

test("Gauge with a TTL writes g,<ttl>:<id>:<value>", () => {
  const lines = linesOf((writer) => new Gauge(ID, writer, 120), (gauge) => gauge.set(42));
  assert.deepEqual(lines, ["g,120:gauge:42"]);
});

test("Gauge passes a TTL below SpectatorD's minimum of 5 through for SpectatorD to raise", () => {
  assert.deepEqual(linesOf((writer) => new Gauge(ID, writer, 1), (gauge) => gauge.set(3)), ["g,1:gauge:3"]);
});

test("Gauge takes a TTL of any size, as spectator-py does, writing at most 2^63-1 in digits, SpectatorD's cap", () => {
  const cases: [ttl: unknown, symbol: string][] = [
    [2 ** 53 - 1, "g,9007199254740991"],
    [2 ** 53, "g,9007199254740992"],
    [2 ** 62, "g,4611686018427387904"],
    [2 ** 63, "g,9223372036854775807"],
    [1e21, "g,9223372036854775807"], // String(1e21) is "1e+21", which SpectatorD rejects
    [120n, "g,120"], // a Python int's twin
    [2n ** 63n - 1n, "g,9223372036854775807"],
    [2n ** 70n, "g,9223372036854775807"],
  ];
  for (const [ttl, symbol] of cases) {
    const { writer, logger } = memoryWriter();
    new Gauge(ID, writer, ttl as number).set(1);
    assert.deepEqual(writer.get(), [`${symbol}:gauge:1`], String(ttl));
    assert.deepEqual(logger.messages("warn"), []);
  }
});

test("Gauge without a TTL (undefined or null) writes plain g", () => {
  for (const ttl of [undefined, null]) {
    const lines = linesOf((writer) => new Gauge(ID, writer, ttl as undefined), (gauge) => gauge.set(7));
    assert.deepEqual(lines, ["g:gauge:7"]);
  }
});

test("Gauge leaves out a TTL that is not a whole number above zero, with a warning", () => {
  const shown: [ttl: unknown, text: string][] = [
    [0, "0"],
    [-1, "-1"],
    [1.5, "1.5"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    ["120", '"120"'],
    [0n, "0n"],
    [-5n, "-5n"],
  ];
  for (const [ttl, text] of shown) {
    const { writer, logger } = memoryWriter();
    const gauge = new Gauge(new MeterId("gauge.ttl", { q: "jobs" }), writer, ttl as number);
    gauge.set(42);
    assert.deepEqual(writer.get(), ["g:gauge.ttl,q=jobs:42"], String(ttl));
    assert.deepEqual(logger.messages("warn"), [
      "spectator.meter: ignored the gauge TTL of gauge.ttl,q=jobs: ttlSeconds must be a whole number above zero: " +
      `received ${text}`,
    ]);
  }
});

test("Gauge.set(-0) writes -0, keeping the sign as spectator-py's -0.0 does", () => {
  assert.deepEqual(linesOf((writer) => new Gauge(ID, writer), (gauge) => gauge.set(-0)), ["g:gauge:-0"]);
});

test("Gauge.update() is set() under spectator-js's name", () => {
  const lines = linesOf((writer) => new Gauge(ID, writer, 60), (gauge) => gauge.update(3));
  assert.deepEqual(lines, ["g,60:gauge:3"]);
});
