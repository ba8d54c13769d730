/**
 * The "real spectatord" tier's routes: which runtime mode this test process
 * is (chosen by `scripts/run_tests.mjs` through its flags), which locations
 * it sends to on that mode, and the bursts known to fall short.
 *
 * @module
 */

import process from "node:process";
import { platform } from "../../src/_platform.ts";
import { denoDatagramApi } from "../../src/transports/_deno_udp.ts";
import type { Spectatord } from "../helpers/spectatord.ts";

/** How the client reaches its sockets in this process. */
export type RuntimeMode = "deno libc" | "deno sockets" | "bun" | "node";

/** The environment variable in which the tier's runner names the mode it started this process for. */
export const TIER_MODE_ENV = "SPECTATORD_TIER_MODE";

/**
 * This process's mode: Deno through the C library (`--allow-ffi`), Deno through its own sockets
 * (`--unstable-net` without FFI), Bun, or Node.
 */
export function runtimeMode(): RuntimeMode | `unexpected ${string}` {
  const runtime = platform().runtime;
  if (runtime === "bun" || runtime === "node") return runtime;
  if (runtime !== "deno") return `unexpected ${runtime}`;
  if (platform().isGranted({ name: "ffi" })) return "deno libc";
  return denoDatagramApi() !== undefined ? "deno sockets" : "unexpected deno without --allow-ffi or --unstable-net";
}

/** A way to reach the agent. */
export interface Route {
  /** Its name in test names and reports, e.g. `udp 127.0.0.1`. */
  name: string;
  /** The modes that take it. */
  modes: readonly RuntimeMode[];
  /** The client's location for `agent`. */
  location(agent: Spectatord): string;
}

const EVERY_MODE: readonly RuntimeMode[] = ["deno libc", "deno sockets", "bun", "node"];

/** Every route of the tier, and the modes that take it. */
export const ROUTES: readonly Route[] = [
  { name: "udp 127.0.0.1", modes: EVERY_MODE, location: (agent) => `udp://127.0.0.1:${agent.port}` },
  { name: "udp [::1]", modes: EVERY_MODE, location: (agent) => `udp://[::1]:${agent.port}` },
  // Node has no Unix datagram socket yet; the optional native package of issue 12 brings one: add "node" here then.
  { name: "unix", modes: ["deno libc", "deno sockets", "bun"], location: (agent) => `unix://${agent.socketPath}` },
];

/** The routes this process takes. */
export function routesHere(): Route[] {
  const mode = runtimeMode();
  return ROUTES.filter((route) => (route.modes as readonly string[]).includes(mode));
}

/** When a burst is written: right after the registry is made, or once its socket is open. */
export type BurstPhase = "startup" | "warm";

/**
 * The bursts known to arrive short until the client folds counter updates while lines cannot leave (issue 12):
 * `<mode>, <route>, <phase>`, or `*` for every mode or route. For these the tier reports the shortfall on its own line
 * and passes; every other burst must arrive whole. Empty this table once folding has landed.
 */
export const KNOWN_SHORT_BURSTS: readonly string[] = [
  // The first lines wait while the socket opens; past maxPendingBytes (4 MiB) the rest are dropped.
  "*, *, startup",
  // Deno's own sockets send only between event-loop turns: a synchronous burst waits in memory, bounded the same way.
  "deno sockets, *, warm",
  // The agent's Unix socket queues 10 datagrams at most: the rest of a burst waits for it, bounded the same way.
  "*, unix, warm",
];

/**
 * Whether the burst of `mode` on `route` in `phase` is in {@linkcode KNOWN_SHORT_BURSTS}.
 *
 * @param mode the runtime mode
 * @param route the route's name
 * @param phase startup or warm
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isKnownShortBurst } from "./routes.ts";
 *
 * assert.equal(isKnownShortBurst("bun", "udp 127.0.0.1", "startup"), true); // "*, *, startup"
 * assert.equal(isKnownShortBurst("bun", "udp 127.0.0.1", "warm"), false);
 * ```
 */
export function isKnownShortBurst(mode: string, route: string, phase: BurstPhase): boolean {
  return KNOWN_SHORT_BURSTS.some((entry) => {
    const [m, r, p] = entry.split(", ");
    return (m === "*" || m === mode) && (r === "*" || r === route) && p === phase;
  });
}

/** The mode the runner started this process for, if it said. */
export function intendedMode(): string | undefined {
  return process.env[TIER_MODE_ENV];
}
