/**
 * Which Unix datagram route a `unix://` location takes with the default
 * Config on this runtime, if any, for the tests that run only where there
 * is one.
 */

import { platform } from "../../src/_platform.ts";
import { denoDatagramApi } from "../../src/transports/_deno_udp.ts";
import { loadUnixSocketPackage } from "../../src/transports/_node_unix.ts";

/** The route's name, or undefined where `unix://` falls back to UDP. */
export type UnixRoute = "ffi" | "deno" | "node-unix-socket" | undefined;

/**
 * The C library on Bun and on Deno with --allow-ffi; Deno.listenDatagram on Deno with --unstable-net; the optional
 * package node-unix-socket (a development dependency of this project) on Node.
 */
export async function unixRouteHere(): Promise<UnixRoute> {
  const runtime = platform().runtime;
  if (runtime === "bun" || (runtime === "deno" && platform().isGranted({ name: "ffi" }))) return "ffi";
  if (runtime === "deno") return denoDatagramApi() !== undefined ? "deno" : undefined;
  return "unavailable" in await loadUnixSocketPackage() ? undefined : "node-unix-socket";
}
