/**
 * What the bench scripts need to know about the runtime they run on: its
 * name and version, which socket route @spectator/client takes there, and
 * how to force a garbage collection. The bench asks the globals itself, so it
 * depends on no internal module of the library.
 *
 * @module
 */

import process from "node:process";

/** The runtimes the bench scripts run on. */
export type BenchRuntime = "deno" | "bun" | "node";

const globals = globalThis as {
  gc?: () => void;
  Bun?: { gc(force: boolean): void; version: string };
  Deno?: { listenDatagram?: unknown; version: { deno: string } };
};

/** The runtime this script runs on. */
export const runtime: BenchRuntime = globals.Bun !== undefined ? "bun" : globals.Deno !== undefined ? "deno" : "node";

/** The runtime's own version, e.g. `2.9.6` for Deno. */
export const runtimeVersion: string = globals.Bun?.version ?? globals.Deno?.version.deno ?? process.versions.node;

/** Deno with `--unstable-net`: `Deno.listenDatagram` exists. */
export const unstableNet: boolean = typeof globals.Deno?.listenDatagram === "function";

/** Deno with `--allow-ffi`: the library reaches sockets through the C library (its default when granted). */
export const ffiGranted: boolean = runtime === "deno" &&
  Deno.permissions.querySync({ name: "ffi" }).state === "granted";

/** The transport @spectator/client takes here for a `udp` or a `unix` location (with default options). */
export function ourRoute(kind: "udp" | "unix"): string {
  if (runtime === "bun") return kind === "udp" ? "Bun.udpSocket" : "libc (bun:ffi)";
  if (runtime === "deno" && ffiGranted) return "libc (Deno.dlopen)";
  if (runtime === "deno" && unstableNet) {
    return kind === "udp" ? "Deno.listenDatagram" : "Deno.listenDatagram (unixpacket)";
  }
  return kind === "udp" ? "node:dgram" : "node-unix-socket (when installed)";
}

/** Whether a forced collection is available (`--expose-gc` on Node and Deno, always on Bun). */
export const canForceGc: boolean = globals.Bun !== undefined || typeof globals.gc === "function";

/** Collects garbage now where the runtime allows it; false when it cannot. */
export function forceGc(): boolean {
  if (globals.Bun !== undefined) {
    globals.Bun.gc(true);
    return true;
  }
  if (typeof globals.gc === "function") {
    globals.gc();
    return true;
  }
  return false;
}
