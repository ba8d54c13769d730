// The real SpectatorD as the judge of what the client writes, on every route this runtime mode takes: all 10 meter
// types with hostile ids arrive with exactly the ids and aggregates the test computes, and invalid updates never reach
// the agent as lines it rejects. Part of the "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Config, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";
import { percentileBucketIndex, percentileTag } from "../helpers/percentile_buckets.ts";
import { type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { agentId, type ExpectedMeter, sameId, settledMeters, settledValue, sortMeters } from "./agent_view.ts";
import { intendedMode, type Route, routesHere, runtimeMode } from "./routes.ts";

const mode = runtimeMode();
let agent: Spectatord;
before(async () => agent = await startSpectatord());
after(() => agent?.stop());

test("the tier runs in the mode its runner started it for", () => {
  assert.equal(mode, intendedMode());
});

/** The common tag that keeps each route's meters apart in the one agent. */
const ROUTE_TAG = "tier.route";
/** The environment's common tag (TITUS_CONTAINER_NAME becomes nf.container). */
const CONTAINER = "titus ü 🎈";

/** Hostile ids: astral and other non-ASCII characters, punctuation, long values, keys that sort differently. */
function hostileIds(route: Route): { name: string; tags: Record<string, string> }[] {
  const ids: { name: string; tags: Record<string, string> }[] = [
    { name: "tier requests/sec é🎉", tags: { "country": "ü🙂", "sp ace": "a,b:c=d\nx", "long": "v".repeat(300) } },
    // By code unit "k\u{1F600}" sorts first; by code point "k\uFF5E" does. Both become "k_": the one written last wins.
    { name: "tier.order", tags: { "k\u{1F600}": "astral", "k\uFF5E": "fullwidth", "\u{10FFFF}z": "max" } },
    { name: "tier.punct!@#$%", tags: { "(){}[]": "<>|\\\"'", "=": ":", "lone": "\uD800x", [ROUTE_TAG]: "user" } },
    { name: "x".repeat(300), tags: { "a.b-c_d~e^f": "A.B-C_D~E^F" } },
  ];
  return ids.map(({ name, tags }) => ({ name: `${name} ${route.name}`, tags }));
}

test(`hostile ids differ once sanitized, so each route's meters are distinct`, () => {
  const ids = hostileIds(routesHere()[0]).map(({ name, tags }) => JSON.stringify(agentId(name, tags)));
  assert.equal(new Set(ids).size, ids.length);
});

const COUNTER_STEPS = [1, 2.5, 0.25];
const TIMER_SECONDS = [0.5, 1.2345678912, 1.5e-9, 0];
const SUMMARY_AMOUNTS = [1.5, 2.25, 1_000_000.125, 0];
const PCT_SUMMARY_AMOUNTS = [9.9, 0.5, 123_456.7, 2 ** 40 + 0.75];
const GAUGE_VALUES = [1, 2, -3.5];
const MAX_GAUGE_VALUES = [5, -1, 7.25, 3];
const AGE_GAUGE_EPOCH_SECONDS = 1_700_000_000.5;
const MONOTONIC_VALUE = 42.5;
const MONOTONIC_UINT_VALUE = 2n ** 64n + 7n;

/** Nanoseconds as SpectatorD truncates a timer sample given in seconds. */
const nanos = (seconds: number) => Math.trunc(seconds * 1e9);
/** A percentile timer's bucket: the sample in nanoseconds, clamped to 1 ns..24 h. */
const timerBucket = (seconds: number) =>
  percentileTag("T", percentileBucketIndex(BigInt(Math.min(Math.max(nanos(seconds), 1), 86_400e9))));
const summaryBucket = (amount: number) => percentileTag("D", percentileBucketIndex(BigInt(Math.trunc(amount))));

/** Counts each bucket tag. */
function bucketCounts(tags: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return counts;
}

/** What the agent shows for one id updated by every meter type with the values above, except the age gauges. */
function expectedMeters(name: string, tags: Record<string, string>): ExpectedMeter[] {
  const id = (suffix: string) => agentId(`${name}.${suffix}`, tags);
  const meters: ExpectedMeter[] = [
    { kind: "counters", ...id("c"), value: COUNTER_STEPS.reduce((a, b) => a + b) },
    { kind: "timers", ...id("t"), value: TIMER_SECONDS.reduce((a, s) => a + nanos(s), 0) },
    { kind: "timers", ...id("T"), value: TIMER_SECONDS.reduce((a, s) => a + nanos(s), 0) },
    { kind: "dist_summaries", ...id("d"), value: SUMMARY_AMOUNTS.reduce((a, b) => a + b) },
    { kind: "dist_summaries", ...id("D"), value: PCT_SUMMARY_AMOUNTS.reduce((a, b) => a + Math.trunc(b), 0) },
    { kind: "gauges", ...id("g"), value: GAUGE_VALUES.at(-1)! },
    { kind: "max_gauges", ...id("m"), value: Math.max(...MAX_GAUGE_VALUES) },
    { kind: "mono_counters", ...id("C"), value: NaN }, // a delta, NaN until the agent publishes once
    { kind: "mono_counters_uint", ...id("U"), value: NaN },
  ];
  for (
    const [kind, buckets] of [["T", TIMER_SECONDS.map(timerBucket)], ["D", PCT_SUMMARY_AMOUNTS.map(summaryBucket)]]
  ) {
    for (const [bucket, count] of bucketCounts(buckets as string[])) {
      const { name: meterName, tags: meterTags } = id(kind as string);
      const percentileTags = { ...meterTags, statistic: "percentile", percentile: bucket };
      meters.push({ kind: "counters", name: meterName, tags: percentileTags, value: count });
    }
  }
  return meters;
}

/** Updates every meter type for one id, as `expectedMeters` expects, plus two age gauges. */
function updateEveryType(registry: Registry, name: string, tags: Record<string, string>): void {
  for (const step of COUNTER_STEPS) registry.counter(`${name}.c`, tags).increment(step);
  for (const seconds of TIMER_SECONDS) {
    registry.timer(`${name}.t`, tags).record(seconds);
    registry.pctTimer(`${name}.T`, tags).record(seconds);
  }
  for (const amount of SUMMARY_AMOUNTS) registry.distributionSummary(`${name}.d`, tags).record(amount);
  for (const amount of PCT_SUMMARY_AMOUNTS) registry.pctDistributionSummary(`${name}.D`, tags).record(amount);
  for (const value of GAUGE_VALUES) registry.gauge(`${name}.g`, tags, 120).set(value);
  for (const value of MAX_GAUGE_VALUES) registry.maxGauge(`${name}.m`, tags).set(value);
  registry.monotonicCounter(`${name}.C`, tags).set(MONOTONIC_VALUE);
  registry.monotonicCounterUint(`${name}.U`, tags).set(MONOTONIC_UINT_VALUE);
  registry.ageGauge(`${name}.A`, tags).set(AGE_GAUGE_EPOCH_SECONDS);
  registry.ageGauge(`${name}.Anow`, tags).now();
}

/** A registry for `route` with a common tag naming the route and one from the environment. */
function routeRegistry(route: Route, logger = new CollectingLogger()): Registry {
  const config = withEnv(
    { TITUS_CONTAINER_NAME: CONTAINER },
    () => new Config({ location: route.location(agent), extraCommonTags: { [ROUTE_TAG]: route.name }, logger }),
  );
  return new Registry(config);
}

for (const route of routesHere()) {
  test(`${mode}, ${route.name}: all 10 meter types with hostile ids show the ids and aggregates sent, no parse error`, async () => {
    const errorsBefore = await agent.parseErrors();
    const registry = routeRegistry(route);
    const common = { "nf.container": CONTAINER, [ROUTE_TAG]: route.name };
    const expected: ExpectedMeter[] = [];
    const written = Date.now() / 1000;
    try {
      for (const { name, tags } of hostileIds(route)) {
        updateEveryType(registry, name, tags);
        expected.push(...expectedMeters(name, { ...tags, ...common }));
      }
    } finally {
      await registry.close();
    }
    const routeValue = agentId(route.name, {}).name;
    const ours = (m: { tags: Record<string, string> }) => m.tags[ROUTE_TAG] === routeValue;
    const ageGauge = (m: { name: string }) => m.name.endsWith(".A") || m.name.endsWith(".Anow");
    const shown = await settledMeters(agent, (m) => ours(m) && !ageGauge(m), expected);
    assert.deepEqual(shown, sortMeters(expected));

    // Age gauges: seconds since the last success, computed when read; bounded by the clock before and after reading.
    const before = Date.now() / 1000;
    const metrics = await agent.metrics();
    const after = Date.now() / 1000 + 0.001;
    for (const { name, tags } of hostileIds(route)) {
      // A success at a given time is as old as the clock says; one "now" is no older than the test's writes.
      const bounds = {
        ".A": [before - AGE_GAUGE_EPOCH_SECONDS, after - AGE_GAUGE_EPOCH_SECONDS],
        ".Anow": [0, after - written],
      };
      for (const [suffix, [least, most]] of Object.entries(bounds)) {
        const id = agentId(`${name}${suffix}`, { ...tags, ...common });
        const meter = metrics.age_gauges.find((m) => sameId(m, id));
        assert.ok(meter, `${id.name} is not among the age gauges`);
        const age = Number(meter.value);
        assert.ok(age >= least && age <= most, `${id.name}: ${age} s, expected ${least} to ${most}`);
      }
    }
    assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
  });

  test(`${mode}, ${route.name}: invalid updates never reach the agent as lines it rejects`, async () => {
    const errorsBefore = await agent.parseErrors();
    const parsedBefore = await agent.value("counters", "spectatord.parsedCount") ?? 0;
    const logger = new CollectingLogger();
    const registry = routeRegistry(route, logger);
    const loose = registry as unknown as Record<string, (...args: unknown[]) => { [k: string]: (v?: unknown) => void }>;
    const name = `tier.invalid.${route.name}`;
    try {
      for (const value of [NaN, -1, -0.5, 0, -Infinity, Infinity, "3", undefined, null, {}, 1n]) {
        if (value !== undefined) loose.counter(`${name}.c`).increment(value); // no argument: the default 1
        loose.timer(`${name}.t`).record(value === 1n ? -1n : value);
        loose.pctTimer(`${name}.T`).record(value);
        loose.distributionSummary(`${name}.d`).record(value);
        loose.pctDistributionSummary(`${name}.D`).record(value);
        loose.maxGauge(`${name}.m`).set(typeof value === "number" ? "x" : value);
        loose.monotonicCounterUint(`${name}.U`).set(typeof value === "number" ? 1.5 : value);
      }
      for (const ttl of [0, -5, 1.5, NaN, Infinity, "60", 2 ** 53, 1e21, 2 ** 53 - 1]) {
        loose.gauge(`${name}.g`, {}, ttl).set(1);
      }
      loose.gauge(`${name}.gauge`, { ok: "tag", bad: null, "": "x", also: {} }).set(2);
      for (const bad of ["", undefined, null, 42, {}]) loose.counter(bad).increment();
      registry.counter(`${name}.done`).increment();
    } finally {
      await registry.close();
    }
    const id = (suffix: string) => agentId(`${name}${suffix}`, { "nf.container": CONTAINER, [ROUTE_TAG]: route.name });
    const done = id(".done");
    const arrived = await settledValue(agent, "counters", done.name, done.tags, (value) => value === 1);
    assert.equal(arrived, 1, "the last, valid line arrived");
    const counter = id(".c");
    assert.equal(await agent.value("counters", counter.name, counter.tags), undefined, "no counter line was written");
    const gauge = id(".g");
    assert.equal(
      await agent.value("gauges", gauge.name, gauge.tags),
      1,
      "the gauges with bad TTLs were written without",
    );
    assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
    const parsed = (await agent.value("counters", "spectatord.parsedCount") ?? 0) - parsedBefore;
    assert.ok(parsed > 0, `the agent parsed ${parsed} lines`);
    assert.ok(logger.messages("warn").length > 0, "the client warned about what it dropped");
  });
}
