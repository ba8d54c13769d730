import assert from "node:assert/strict";
import { test } from "node:test";
import { atlasLimitProblems } from "../mod.ts";
import { memoryRegistry } from "./helpers/memory.ts";

const manyTags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, "v"]));

test("atlasLimitProblems() finds nothing wrong with ids inside Atlas's limits", () => {
  const ok: [string, Record<string, string>][] = [
    ["ab", {}],
    ["n".repeat(255), {}],
    ["requests", { ab: "v", ["k".repeat(60)]: "v".repeat(120) }],
    ["requests", manyTags(20)],
    ["requests", { nf: "not a prefix", "atlas-x": "neither" }],
  ];
  for (const [name, tags] of ok) assert.deepEqual(atlasLimitProblems(name, tags), [], name);
});

test("atlasLimitProblems() lists every limit an id breaks", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["x", {}, ["name must be 2 to 255 characters: received 1"]],
    ["n".repeat(256), {}, ["name must be 2 to 255 characters: received 256"]],
    ["requests", { k: "v" }, ["tag key k must be 2 to 60 characters"]],
    ["requests", { ["k".repeat(61)]: "v" }, [`tag key ${"k".repeat(61)} must be 2 to 60 characters`]],
    ["requests", { key: "v".repeat(121) }, ["tag value of key must be 1 to 120 characters: received 121"]],
    ["requests", manyTags(21), ["at most 20 user tags are allowed: received 21"]],
    ["requests", { "nf.app": "a" }, ["tag key nf.app uses the reserved prefix nf."]],
    ["requests", { "atlas.dstype": "gauge" }, ["tag key atlas.dstype uses the reserved prefix atlas."]],
    ["x", { "nf.app": "a" }, [
      "name must be 2 to 255 characters: received 1",
      "tag key nf.app uses the reserved prefix nf.",
    ]],
  ];
  for (const [name, tags, problems] of cases) assert.deepEqual(atlasLimitProblems(name, tags), problems);
});

test("Registry still writes ids that break Atlas's limits, warning once per id", () => {
  const { registry, writer, logger } = memoryRegistry();
  registry.counter("q", { "nf.app": "a" }).increment();
  registry.counter("q", { "nf.app": "a" }).increment();
  registry.newId("q", { "nf.app": "a" });
  assert.deepEqual(writer.get(), ["c:q,nf.app=a:1", "c:q,nf.app=a:1"]);
  assert.deepEqual(logger.messages("warn"), [
    "spectator.registry: Atlas will drop MeterId(name=q, tags={'nf.app': 'a'}): " +
    "name must be 2 to 255 characters: received 1; tag key nf.app uses the reserved prefix nf.",
  ]);
  registry.timer("q", { "nf.app": "b" });
  assert.equal(logger.messages("warn").length, 2, "another id warns again");
});

test("Registry does not hold the configured common tags to the user-tag limits", () => {
  const { registry, logger } = memoryRegistry({ extraCommonTags: { "nf.app": "checkout" } });
  registry.counter("limits.common.tags").increment();
  assert.deepEqual(logger.messages("warn"), []);
});
