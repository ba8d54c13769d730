/**
 * Line-formatting throughput of every meter type: `deno bench bench/meters_bench.ts`.
 *
 * Each case updates a meter whose registry sends to a transport that drops
 * datagrams, so the figure is the client's own cost per update: formatting the
 * value and packing the line into a datagram. The baseline group shows the
 * naive route (one string and one `TextEncoder.encode` per line) for scale.
 *
 * @module
 */

import { Config, Registry, type TransportFactory } from "../mod.ts";

const discard: TransportFactory = () => ({ send: () => {}, close: () => Promise.resolve() });
const registry = new Registry(new Config({ location: "udp", transport: discard, logLevel: "error" }));
const tags = { status: "200", method: "GET" };

const counter = registry.counter("server.requestCount", tags);
const timer = registry.timer("server.requestLatency", tags);
const pctTimer = registry.pctTimer("server.requestLatency.pct", tags);
const summary = registry.distributionSummary("server.responseSize", tags);
const pctSummary = registry.pctDistributionSummary("server.responseSize.pct", tags);
const gauge = registry.gauge("server.queueSize", tags);
const ttlGauge = registry.gauge("server.queueSize.ttl", tags, 120);
const maxGauge = registry.maxGauge("server.connections", tags);
const ageGauge = registry.ageGauge("server.lastSuccess", tags);
const monotonic = registry.monotonicCounter("server.bytesRead", tags);
const monotonicUint = registry.monotonicCounterUint("server.packets", tags);

let i = 0;

Deno.bench("baseline: string + TextEncoder.encode per line", { group: "counter", baseline: true }, () => {
  new TextEncoder().encode(`c:server.requestCount,method=GET,status=200:${++i & 1023}`);
});
Deno.bench("Counter.increment(1)", { group: "counter" }, () => counter.increment());
Deno.bench("Counter.increment(n)", { group: "counter" }, () => counter.increment(++i & 1023));
Deno.bench("Counter made per call (2 tags)", { group: "counter" }, () => {
  registry.counter("server.requestCount", tags).increment();
});
Deno.bench("Timer.record(seconds)", { group: "meters" }, () => timer.record(0.000123 * (++i & 1023)));
Deno.bench("PercentileTimer.record(seconds)", { group: "meters" }, () => pctTimer.record(0.000123 * (++i & 1023)));
Deno.bench("DistributionSummary.record(n)", { group: "meters" }, () => summary.record(++i & 65535));
Deno.bench("PercentileDistributionSummary.record(n)", { group: "meters" }, () => pctSummary.record(++i & 65535));
Deno.bench("Gauge.set(x)", { group: "meters" }, () => gauge.set((++i & 1023) / 8));
Deno.bench("Gauge with TTL .set(x)", { group: "meters" }, () => ttlGauge.set(++i & 1023));
Deno.bench("MaxGauge.set(n)", { group: "meters" }, () => maxGauge.set(++i & 1023));
Deno.bench("AgeGauge.now()", { group: "meters" }, () => ageGauge.now());
Deno.bench("MonotonicCounter.set(n)", { group: "meters" }, () => monotonic.set(++i));
Deno.bench("MonotonicCounterUint.set(bigint)", { group: "meters" }, () => monotonicUint.set(BigInt(++i)));
