// What plain JavaScript (no type checker) passes to the registry: numbers and booleans as tag values, names
// that are not strings. Every such update returns normally, writes a line SpectatorD accepts or nothing, and
// never merges series silently.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MeterId } from "../mod.ts";
import { memoryRegistry } from "./helpers/memory.ts";

/** Tags as plain JavaScript may pass them, with values of any type. */
function untypedTags(tags: Record<string, unknown>): Record<string, string> {
  return tags as Record<string, string>;
}

test("Finite numbers, booleans and bigints given as tag values are written in their String() form", () => {
  const { registry, writer, logger } = memoryRegistry();
  registry.counter("req", untypedTags({ status: 200, ok: true, big: 2n ** 64n, ratio: 0.5, neg: -0, no: false }))
    .increment();
  assert.deepEqual(writer.get(), ["c:req,big=18446744073709551616,neg=0,no=false,ok=true,ratio=0.5,status=200:1"]);
  assert.deepEqual(logger.messages("warn"), []);
});

test("A number tag value and its string give the same meter", () => {
  const { registry, writer } = memoryRegistry();
  const byNumber = registry.counter("same", untypedTags({ status: 200 }));
  assert.equal(registry.counter("same", untypedTags({ status: 200 })), byNumber);
  assert.equal(registry.counter("same", { status: "200" }), byNumber);
  byNumber.increment();
  assert.deepEqual(writer.get(), ["c:same,status=200:1"]);
});

test("MeterId.tags() holds number, boolean and bigint tag values as strings", () => {
  const id = new MeterId("x", { status: 200, ok: true, big: 1n } as unknown as Record<string, string>);
  assert.deepEqual(id.tags(), { status: "200", ok: "true", big: "1" });
  assert.deepEqual(id.withTag("code", 7 as unknown as string).tags(), {
    status: "200",
    ok: "true",
    big: "1",
    code: "7",
  });
});

test("A name that is not a non-empty string writes nothing and warns once, naming what was received", () => {
  const names: [name: unknown, shown: string][] = [
    [undefined, "undefined"],
    [null, "null"],
    [{}, "[object Object]"],
    [42, "42"],
    [true, "true"],
    ["", '""'],
  ];
  for (const [name, shown] of names) {
    const { registry, writer, logger } = memoryRegistry({ extraCommonTags: { "nf.app": "untyped" } });
    for (let i = 0; i < 3; i++) {
      registry.counter(name as string).increment();
      registry.timer(name as string, { status: "200" }).record(1);
      registry.counterWithId(registry.newId(name as string)).increment();
      registry.gaugeWithId(new MeterId(name as string), 60).set(1);
    }
    assert.deepEqual(writer.get(), [], shown);
    assert.deepEqual(logger.messages("warn"), [
      `spectator.meter: a meter name must be a non-empty string: received ${shown}; its meters write nothing`,
    ]);
  }
});
