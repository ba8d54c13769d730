/**
 * A synchronous burst of counter increments into the real SpectatorD, right
 * after `new Registry()` (the socket still opening) and again warm (the socket
 * open), for the end-to-end bench (bench/e2e.mjs), which reads the agent's
 * counters afterwards.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/agent_burst.ts --location unix:///tmp/x/spectatord.unix --tag deno-unix
 * ```
 *
 * Options: `--location` (required: `udp://host:port` or `unix:///path`),
 * `--updates N` per burst (1000000), `--tag T` (the `run` tag of the
 * counters, `bench`). Each burst increments its own counter,
 * `bench.burst` with `phase=startup` or `phase=warm` and `run=T`, so one agent
 * can take every run. It prints one JSON line: per phase, ns per update, heap
 * growth (`heapUsed` right after the burst minus before it, both after a
 * forced collection where the runtime allows one), and what the client
 * dropped and folded (its `stats()`).
 *
 * @module
 */

import process from "node:process";
import { argument, integerArgument } from "./_args.ts";
import { openE2eClient } from "./_e2e_client.ts";
import { canForceGc, forceGc } from "./_runtime.ts";

const location = argument("location");
if (location === undefined || !/^(udp|unix):\/\//.test(location)) {
  throw new TypeError(`agent_burst: --location must be udp://host:port or unix:///path: received ${location}`);
}
const updates = integerArgument("agent_burst", "updates", 1_000_000, 1, 100_000_000);
const tag = argument("tag") ?? "bench";

/** The counter's name in the agent. */
const BURST_NAME = "bench.burst";

forceGc();
const heapBefore = process.memoryUsage().heapUsed;
const client = await openE2eClient("spectator", location);

/** Runs one burst on its own counter and measures it; `heapBefore` is taken before the registry when at startup. */
async function burst(phase: "startup" | "warm", heapBaseline: number) {
  const countsBefore = client.counts();
  const counter = client.registry.counter(BURST_NAME, { phase, run: tag });
  const start = performance.now();
  for (let k = 0; k < updates; k++) counter.increment();
  const elapsed = performance.now() - start;
  forceGc();
  const heapGrowthMB = (process.memoryUsage().heapUsed - heapBaseline) / 2 ** 20;
  await client.flush();
  const countsAfter = client.counts();
  return {
    phase,
    updates,
    nsPerOp: (elapsed * 1e6) / updates,
    heapGrowthMB,
    dropped: countsAfter.dropped - countsBefore.dropped,
    folded: countsAfter.folded === undefined ? null : countsAfter.folded - (countsBefore.folded ?? 0),
  };
}

const startup = await burst("startup", heapBefore);
forceGc();
const warm = await burst("warm", process.memoryUsage().heapUsed);
await client.close();
process.stdout.write(
  `${
    JSON.stringify({
      transport: client.route,
      fallback: client.fallback() ?? null,
      forcedGc: canForceGc,
      startup,
      warm,
    })
  }\n`,
);
