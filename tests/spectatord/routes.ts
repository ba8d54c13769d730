/**
 * The "real spectatord" tier's routes: which runtime mode this test process
 * is (chosen by `scripts/run_tests.mjs` through its flags), and which
 * locations it sends to on that mode.
 *
 * @module
 */

import process from "node:process";
import { platform } from "../../src/_platform.ts";
import { denoDatagramApi } from "../../src/transports/_deno_udp.ts";
import type { Spectatord } from "../../scripts/spectatord/agent.ts";

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
  // Node through the optional package node-unix-socket, a development dependency of this project.
  { name: "unix", modes: EVERY_MODE, location: (agent) => `unix://${agent.socketPath}` },
];

/** The routes this process takes. */
export function routesHere(): Route[] {
  const mode = runtimeMode();
  return ROUTES.filter((route) => (route.modes as readonly string[]).includes(mode));
}

/** The mode the runner started this process for, if it said. */
export function intendedMode(): string | undefined {
  return process.env[TIER_MODE_ENV];
}
