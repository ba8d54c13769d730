import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, getMeterClass, MeterId, parseProtocolLine } from "../mod.ts";
import { withEnv } from "./helpers/env.ts";
import { memoryWriter } from "./helpers/memory.ts";
import { METER_KINDS, update } from "./helpers/meter_kinds.ts";

test("getMeterClass() returns the meter class of every protocol symbol", () => {
  for (const { symbol, meter } of METER_KINDS) assert.equal(getMeterClass(symbol), meter, symbol);
});

test("getMeterClass() returns undefined for any other symbol", () => {
  for (const symbol of ["X", "S", "", "cc", "g,120", "toString", "__proto__", "constructor"]) {
    assert.equal(getMeterClass(symbol), undefined, symbol);
  }
});

test("parseProtocolLine() splits a line into symbol, id and value", () => {
  const cases: [line: string, symbol: string, name: string, tags: Record<string, string>, value: string][] = [
    ["c:counter:1", "c", "counter", {}, "1"],
    ["c:counter,foo=bar:1", "c", "counter", { foo: "bar" }, "1"],
    ["c:counter,foo=bar,baz=quux:1", "c", "counter", { foo: "bar", baz: "quux" }, "1"],
    ["g:gauge:1", "g", "gauge", {}, "1"],
    ["g,120:gauge:1", "g", "gauge", {}, "1"],
    ["t:timer:1", "t", "timer", {}, "1"],
    ["U:uint:18446744073709551615", "U", "uint", {}, "18446744073709551615"],
    ["d:summary:1e-7", "d", "summary", {}, "1e-7"],
    ["m:max:NaN", "m", "max", {}, "NaN"],
  ];
  for (const [line, symbol, name, tags, value] of cases) {
    const [parsedSymbol, id, parsedValue] = parseProtocolLine(line);
    assert.equal(parsedSymbol, symbol, line);
    assert.equal(id.name(), name, line);
    assert.deepEqual(id.tags(), tags, line);
    assert.equal(parsedValue, value, line);
  }
});

test("parseProtocolLine() throws a SyntaxError naming a malformed line", () => {
  const malformed = [
    "foo",
    "foo:bar",
    "foo:bar,baz-quux",
    "c:counter,baz-quux:1",
    "c:counter,a=b=c:1",
    "c:counter,=v:1",
    "c:counter,k=:1",
    "c:counter,:1",
    ":counter:1",
    ",120:gauge:1",
    "c::1",
    "c:counter:1:2",
    "",
  ];
  for (const line of malformed) {
    assert.throws(() => parseProtocolLine(line), (error: Error) => {
      assert.ok(error instanceof SyntaxError, `${line} gave ${error}`);
      assert.ok(error.message.startsWith("Cannot parse protocol line: "), error.message);
      assert.ok(error.message.endsWith(`received ${JSON.stringify(line)}`), error.message);
      return true;
    });
  }
});

test("parseProtocolLine() reads back what every meter writes", () => {
  const id = new MeterId("round.trip", { status: "200", "a b": "x:y" });
  for (const { symbol, meter: Meter, update: method } of METER_KINDS) {
    const { writer } = memoryWriter();
    update(new Meter(id, writer), method, 7);
    const [parsedSymbol, parsedId, value] = parseProtocolLine(writer.lastLine()!);
    assert.equal(parsedSymbol, symbol);
    assert.equal(getMeterClass(parsedSymbol), Meter);
    assert.ok(parsedId.equals(new MeterId("round.trip", { status: "200", a_b: "x_y" })), String(parsedId));
    assert.equal(value, "7");
  }
});

test("parseProtocolLine() keeps a tag of any key as an own property, __proto__ and constructor included", () => {
  const [, id] = parseProtocolLine("m:x,__proto__=y,constructor=z,toString=t:1");
  const tags = id.tags();
  assert.deepEqual(Object.keys(tags).sort(), ["__proto__", "constructor", "toString"]);
  assert.ok(Object.hasOwn(tags, "__proto__"));
  assert.equal(tags["__proto__"], "y");
  assert.equal(id.spectatordId, "x,__proto__=y,constructor=z,toString=t");
});

test("MeterId.tags() and Config.extraCommonTags keep a tag named __proto__ as an own property", () => {
  const given = JSON.parse('{"__proto__": "y", "a": "1"}') as Record<string, string>;
  const fromId = new MeterId("x", given).withTag("b", "2").tags();
  assert.deepEqual(Object.entries(fromId).sort(), [["__proto__", "y"], ["a", "1"], ["b", "2"]]);
  const common = withEnv({}, () => new Config({ location: "memory", extraCommonTags: given })).extraCommonTags;
  assert.deepEqual(Object.entries(common).sort(), [["__proto__", "y"], ["a", "1"]]);
});
