import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { Config, type LineWriter, Registry } from "../mod.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import type { ReceivedDatagrams } from "./helpers/datagram_collector.ts";
import { holdDeadUdpPort } from "./helpers/dead_udp_port.ts";
import { withEnv } from "./helpers/env.ts";
import { listenUdp } from "./helpers/udp_listener.ts";
import { listenUnix, tempSocketDir, type UnixListener } from "./helpers/unix_listener.ts";
import { tick } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";
import { unixRouteHere } from "./helpers/unix_route.ts";

// The application writes at full speed while the agent is dead (UDP, nobody listening) or slow (a Unix agent that
// stopped reading): the pending bytes stay under maxPendingBytes, the excess is dropped, counted and reported once,
// memory stays flat, and delivery resumes when the agent is back.

const runtime = platform().runtime;
const denoFfi = runtime === "deno" && platform().isGranted({ name: "ffi" });
const unixRoute = await unixRouteHere() !== undefined;

const FLOOD_MS = 1000;
const STRETCH = 5000;
const SAMPLE_EVERY = 250;
const MAX_PENDING = 256 * 1024;
const MAX_DATAGRAM = 8192;
const RESUME_LIMIT_MS = 3000;

interface FloodResult {
  name: string;
  written: number;
  peakPending: number;
  dropped: number;
  warnings: string[];
  resumedMs: number;
}

/**
 * Returns a forced garbage collection when the runtime offers one: Bun's `Bun.gc`, a `gc` exposed by the command
 * line, or V8's, exposed at run time (Node and Deno accept `--expose-gc` through `node:v8`).
 */
function forcedGc(): (() => void) | undefined {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return () => bun.gc(true);
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as unknown;
    return typeof gc === "function" ? gc as () => void : undefined;
  } catch {
    return undefined;
  }
}

/** Collects garbage when the runtime lets us; returns whether it did. */
function collectGarbage(): boolean {
  const gc = forcedGc();
  gc?.();
  return gc !== undefined;
}

function memoryBytes(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Floods a registry at `location` for FLOOD_MS in synchronous stretches with a turn between, sampling its pending
 * bytes; then brings the agent back with `revive` and writes a marker every turn until the agent has it.
 */
async function flood(
  name: string,
  location: string,
  revive: () => Promise<ReceivedDatagrams>,
): Promise<FloodResult> {
  const logger = new CollectingLogger();
  const registry = new Registry(
    withEnv({}, () => new Config({ location, logger, maxPendingBytes: MAX_PENDING, maxDatagramBytes: MAX_DATAGRAM })),
  );
  const writer = registry.writer() as LineWriter;
  try {
    const counter = registry.counter("flood.counter", { kind: "hot" });
    const timer = registry.timer("flood.latency");
    const gauge = registry.gauge("flood.gauge");
    let written = 0;
    let peakPending = 0;
    const deadline = Date.now() + FLOOD_MS;
    while (Date.now() < deadline) {
      for (let i = 0; i < STRETCH; i++) {
        switch (i % 4) {
          case 0:
            counter.increment();
            break;
          case 1:
            timer.record(i / 1e6);
            break;
          case 2:
            gauge.set(i);
            break;
          default:
            registry.counter("flood.perCall", { status: String(200 + (i % 7)) }).increment();
        }
        written++;
        if (i % SAMPLE_EVERY === 0) peakPending = Math.max(peakPending, writer.stats().pendingBytes);
      }
      peakPending = Math.max(peakPending, writer.stats().pendingBytes);
      await tick();
      peakPending = Math.max(peakPending, writer.stats().pendingBytes);
    }
    const dropped = writer.stats().droppedLines;
    const agent = await revive();
    const back = Date.now();
    const marker = registry.counter("flood.resumed");
    while (!agent.lines().includes("c:flood.resumed:1") && Date.now() - back < RESUME_LIMIT_MS) {
      marker.increment();
      await tick(20);
    }
    const resumedMs = Date.now() - back;
    assert.ok(
      agent.lines().includes("c:flood.resumed:1"),
      `${name}: no delivery ${resumedMs} ms after the agent came back: ${JSON.stringify(writer.stats())}`,
    );
    return { name, written, peakPending, dropped, warnings: logger.messages("warn"), resumedMs };
  } finally {
    await registry.close();
  }
}

test(`a flood against a dead or stalled agent stays within maxPendingBytes and memory (${runtime})`, async () => {
  const dir = tempSocketDir();
  const dead = await holdDeadUdpPort();
  const agents: { close(): Promise<void> }[] = [];
  let stalled: UnixListener | undefined;
  try {
    if (unixRoute) {
      stalled = await listenUnix(dir.path());
      agents.push(stalled);
      await stalled.pause();
    }
    const gcd = collectGarbage();
    const before = memoryBytes();
    const cases = [
      flood("udp, nobody listening", `udp://127.0.0.1:${dead.port}`, async () => {
        const agent = await listenUdp({ port: dead.port });
        agents.push(agent);
        return agent;
      }),
    ];
    if (stalled !== undefined) {
      const agent = stalled;
      cases.push(flood("unix, agent not reading", `unix://${dir.path()}`, async () => {
        await agent.resume();
        return agent;
      }));
    }
    const results = await Promise.all(cases);
    collectGarbage();
    const growth = memoryBytes() - before;
    const limit = gcd ? 16 * 1024 * 1024 : 64 * 1024 * 1024;

    console.log(
      `flood (${runtime}${denoFfi ? " libc" : ""}): heap+external growth ${(growth / 2 ** 20).toFixed(1)} MB ` +
        `(${gcd ? "after a forced GC" : "no GC exposed"}); ` +
        results.map((r) =>
          `${r.name}: ${r.written} updates, peak pending ${r.peakPending} of ${MAX_PENDING} bytes, ` +
          `${r.dropped} dropped, ${r.warnings.length} warnings, resumed after ${r.resumedMs} ms`
        ).join("; "),
    );
    for (const r of results) {
      const what = `${r.name}: ${JSON.stringify(r)}`;
      assert.ok(r.peakPending <= MAX_PENDING, what);
      assert.ok(r.dropped > 0, what);
      const drops = r.warnings.filter((w) => w.includes(`more than maxPendingBytes=${MAX_PENDING} are waiting`));
      assert.equal(drops.length, 1, what);
      assert.ok(r.warnings.length <= 2, what);
    }
    assert.ok(growth < limit, `memory grew by ${growth} bytes`);
  } finally {
    for (const agent of agents) await agent.close();
    await dead.release();
    dir.remove();
  }
});
