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
    ["requests", manyTags(18)],
    ["requests", { ...manyTags(17), statistic: "a user's own statistic tag is the one SpectatorD would add" }],
    ["requests", { nf: "not a prefix", "atlas-x": "neither" }],
    ["requests", { "nf.app": "checkout", "nf.country.rollup": "us", "nf.zone": "us-east-1a", "atlas.dstype": "gauge" }],
    ["requests", { ...manyTags(18), "nf.app": "reserved keys do not count", "nf.region": "us-east-1" }],
  ];
  for (const [name, tags] of ok) assert.deepEqual(atlasLimitProblems(name, tags), [], name);
  assert.deepEqual(atlasLimitProblems("latency", manyTags(17), { percentiles: true }), []);
});

test("atlasLimitProblems() lists every limit an id breaks", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["x", {}, ["name must be 2 to 255 characters: received 1"]],
    ["n".repeat(256), {}, ["name must be 2 to 255 characters: received 256"]],
    ["requests", { k: "v" }, ["tag key k must be 2 to 60 characters"]],
    ["requests", { ["k".repeat(61)]: "v" }, [`tag key ${"k".repeat(61)} must be 2 to 60 characters`]],
    ["requests", { key: "v".repeat(121) }, ["tag value of key must be 1 to 120 characters: received 121"]],
    ["requests", manyTags(19), [
      "at most 20 user tags are allowed, counting the name and the tags SpectatorD adds (statistic): received 21",
    ]],
    ["requests", { "nf.color": "a" }, ["tag key nf.color is not one of Atlas's keys under the reserved prefix nf."]],
    ["requests", { "nf.": "a" }, ["tag key nf. is not one of Atlas's keys under the reserved prefix nf."]],
    ["requests", { "atlas.max": "1" }, [
      "tag key atlas.max is not one of Atlas's keys under the reserved prefix atlas.",
    ]],
    ["x", { "nf.color": "a" }, [
      "name must be 2 to 255 characters: received 1",
      "tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
    ]],
  ];
  for (const [name, tags, problems] of cases) assert.deepEqual(atlasLimitProblems(name, tags), problems);
  assert.deepEqual(atlasLimitProblems("latency", manyTags(18), { percentiles: true }), [
    "at most 20 user tags are allowed, counting the name and the tags SpectatorD adds (statistic, percentile): " +
    "received 21",
  ]);
});

test("Registry still writes ids that break Atlas's limits, warning once per id", () => {
  const { registry, writer, logger } = memoryRegistry();
  registry.counter("q", { "nf.color": "a" }).increment();
  registry.counter("q", { "nf.color": "a" }).increment();
  registry.newId("q", { "nf.color": "a" });
  assert.deepEqual(writer.get(), ["c:q,nf.color=a:1", "c:q,nf.color=a:1"]);
  assert.deepEqual(logger.messages("warn"), [
    'spectator.registry: Atlas will drop MeterId(name=q, tags={ "nf.color": "a" }): ' +
    "name must be 2 to 255 characters: received 1; tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
  ]);
  registry.timer("q", { "nf.color": "b" });
  assert.equal(logger.messages("warn").length, 2, "another id warns again");
});

test("Registry counts the common tags and, for percentile meters, the percentile tag against Atlas's limit", () => {
  const common = { "nf.app": "checkout", region: "eu" };
  const { registry, logger } = memoryRegistry({ extraCommonTags: common });
  registry.counter("limits.fits", manyTags(17)).increment(); // name, statistic, region and 17 tags: 20
  registry.timer("limits.fits", manyTags(17)).record(1);
  assert.deepEqual(logger.messages("warn"), []);
  registry.counter("limits.over", manyTags(18)).increment();
  registry.pctTimer("limits.pct", manyTags(17)).record(1);
  registry.pctDistributionSummary("limits.pctSummary", manyTags(17)).record(1);
  const warnings = logger.messages("warn");
  assert.equal(warnings.length, 3, warnings.join("\n"));
  assert.match(warnings[0], /MeterId\(name=limits\.over, .*region: "eu".*\(statistic\): received 21$/);
  assert.match(warnings[1], /MeterId\(name=limits\.pct, .*\(statistic, percentile\): received 21$/);
  assert.match(warnings[2], /MeterId\(name=limits\.pctSummary, .*\(statistic, percentile\): received 21$/);
});
