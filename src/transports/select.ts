/**
 * Chooses the transport for a socket location from the runtime, loading
 * only the adapter that runtime needs, on first use.
 *
 * @module
 */

import { isGranted } from "../permissions.ts";
import { DEFAULT_UDP } from "../location.ts";
import { OnceSet } from "../once_set.ts";
import { detectRuntime } from "../runtime.ts";
import type { TransportFactory } from "./transport.ts";

/** Options for {@linkcode runtimeTransport}. */
export interface RuntimeTransportOptions {
  /** Let Deno reach Unix sockets through the C library when `--allow-ffi` is granted (default true). */
  unixFfi?: boolean;
  /** Let Deno send UDP through the C library when `--allow-ffi` is granted (default true). */
  udpFfi?: boolean;
}

const fallbackWarnings = new OnceSet(100);

/**
 * Returns the factory that opens the best transport this runtime has:
 *
 * | runtime | `udp` | `unix` |
 * | --- | --- | --- |
 * | Bun | `Bun.udpSocket` | libc through `bun:ffi` |
 * | Deno `--allow-ffi` | libc through `Deno.dlopen` | libc through `Deno.dlopen` |
 * | Deno `--unstable-net` | `Deno.listenDatagram` | `Deno.listenDatagram` (`unixpacket`) |
 * | Deno | `node:dgram` | falls back to `udp://127.0.0.1:1234` with a warning |
 * | Node, others | `node:dgram` | falls back to `udp://127.0.0.1:1234` with a warning |
 *
 * Deno takes a row only when its flags allow it and the options do not turn
 * it off (`udpFfi`, `unixFfi`), else the next one; a C library that cannot be
 * loaded is reported once and skipped.
 */
export function runtimeTransport(options: RuntimeTransportOptions): TransportFactory {
  return async (target, context) => {
    const runtime = detectRuntime();
    if (target.kind === "unix") {
      if (runtime === "bun") {
        return (await import("./unix_ffi.ts")).connectUnixFfi(target.path, context);
      }
      if (runtime === "deno") {
        // FFI first: a pending DatagramConn.send to a full Unix socket spins the CPU and cannot be cancelled.
        if (options.unixFfi !== false && isGranted({ name: "ffi" })) {
          return (await import("./unix_ffi.ts")).connectUnixFfi(target.path, context);
        }
        const { denoDatagramApi } = await import("./deno_udp.ts");
        if (denoDatagramApi() !== undefined) {
          return (await import("./deno_unix.ts")).connectDenoUnix(target.path, context);
        }
      }
      const why = runtime === "deno"
        ? "Deno reaches Unix datagram sockets only with --unstable-net, or with --allow-ffi"
        : `${runtime} has no Unix datagram sockets without native addons`;
      if (fallbackWarnings.first(target.path)) {
        context.logger.warn(
          `spectator.writer: cannot use unix://${target.path}: ${why}; sending to udp://${DEFAULT_UDP.host}:${DEFAULT_UDP.port} instead`,
        );
      }
      target = { kind: "udp", ...DEFAULT_UDP };
    }
    if (runtime === "bun") return (await import("./bun_udp.ts")).connectBunUdp(target, context);
    if (runtime === "deno") {
      // FFI first: its sends are synchronous, while Deno's own leave only when the event loop runs.
      if (options.udpFfi !== false && isGranted({ name: "ffi" })) {
        const { connectUdpFfi, udpFfiUnavailable } = await import("./udp_ffi.ts");
        const why = udpFfiUnavailable();
        if (why === undefined) return connectUdpFfi(target, context);
        if (fallbackWarnings.first("udp ffi")) {
          context.logger.warn(`spectator.writer: cannot send UDP through the C library: ${why}; using Deno's sockets`);
        }
      }
      const { denoDatagramApi, connectDenoUdp } = await import("./deno_udp.ts");
      if (denoDatagramApi() !== undefined) return connectDenoUdp(target);
    }
    return (await import("./node_udp.ts")).connectNodeUdp(target, context);
  };
}
