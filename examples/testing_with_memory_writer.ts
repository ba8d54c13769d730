/**
 * Testing code that records metrics: give it a registry with location
 * `memory`, then assert on the protocol lines its `MemoryWriter` kept, reading
 * them back with `parseProtocolLine`. This file runs its assertions when
 * executed; in a project they would sit in your `*_test.ts` files.
 *
 *   deno run --allow-env examples/testing_with_memory_writer.ts
 *   bun examples/testing_with_memory_writer.ts
 *
 * @module
 */

import assert from "node:assert/strict";
import { Config, Counter, getMeterClass, type MemoryWriter, parseProtocolLine, Registry, Timer } from "../mod.ts";

/** The code under test: counts a request by status and records its latency. */
function recordRequest(registry: Registry, status: number, seconds: number): void {
  registry.counter("server.requestCount", { status: String(status) }).increment();
  registry.timer("server.requestLatency").record(seconds);
}

// A registry that keeps lines in memory (SPECTATOR_OUTPUT_LOCATION, when set, would win).
const registry = new Registry(new Config({ location: "memory" }));
const writer = registry.writer() as MemoryWriter;
assert.ok(writer.isEmpty());

recordRequest(registry, 200, 0.25);
assert.deepEqual(writer.get(), ["c:server.requestCount,status=200:1", "t:server.requestLatency:0.25"]);

// Lines can be compared whole, or read back into their parts.
recordRequest(registry, 503, 1.5);
const [symbol, id, value] = parseProtocolLine(writer.get()[2]);
assert.equal(symbol, "c");
assert.equal(getMeterClass(symbol), Counter);
assert.equal(id.name(), "server.requestCount");
assert.deepEqual(id.tags(), { status: "503" });
assert.equal(value, "1");
assert.equal(getMeterClass(parseProtocolLine(writer.lastLine()!)[0]), Timer);

// Updates that meters ignore write nothing: a negative duration, a zero increment.
writer.clear();
registry.timer("server.requestLatency").record(-1);
registry.counter("server.requestCount").increment(0);
assert.ok(writer.isEmpty());

await registry.close();
console.log("testing_with_memory_writer: all assertions passed");
