/**
 * Which transport each runtime uses for a socket location, in one table
 * keyed by the runtime `_platform.ts` decided. An adapter is loaded with
 * `import()` on first use, so a runtime never loads another's.
 *
 * @module
 */

import { DEFAULT_UDP } from "../_defaults.ts";
import { OnceSet } from "../_once_set.ts";
import { platform, type RuntimeName } from "../_platform.ts";
import type { SocketTarget, Transport, TransportContext, TransportFactory } from "./transport.ts";

/** Options for {@linkcode runtimeTransport}: `Config`'s `ffi` and `unixFfi`. */
export interface RouteOptions {
  /** Let Deno reach Unix sockets through the C library when `--allow-ffi` is granted (default true). */
  unixFfi?: boolean;
  /** Let Deno send UDP through the C library when `--allow-ffi` is granted (default true). */
  udpFfi?: boolean;
}

/** Opens the transport a runtime uses for `target`. */
type Route = (target: SocketTarget, context: TransportContext, options: RouteOptions) => Promise<Transport>;

const fallbackWarnings = new OnceSet(100);

/**
 * The transport of each runtime:
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
const ROUTES: Record<RuntimeName, Route> = {
  bun: async (target, context) => {
    if (target.kind === "unix") return (await import("./_unix_ffi.ts")).connectUnixFfi(target.path, context);
    return (await import("./_bun_udp.ts")).connectBunUdp(target, context);
  },
  deno: async (target, context, options) => {
    const ffi = platform().isGranted({ name: "ffi" });
    const { denoDatagramApi } = await import("./_deno_udp.ts");
    if (target.kind === "unix") {
      // FFI first: a pending DatagramConn.send to a full Unix socket spins the CPU and cannot be cancelled.
      if (options.unixFfi !== false && ffi) {
        return (await import("./_unix_ffi.ts")).connectUnixFfi(target.path, context);
      }
      if (denoDatagramApi() !== undefined) {
        return (await import("./_deno_unix.ts")).connectDenoUnix(target.path, context);
      }
    }
    const udp = target.kind === "udp" ? target : udpFallback(
      target.path,
      context,
      "Deno reaches Unix datagram sockets only with --unstable-net, or with --allow-ffi",
    );
    // FFI first: its sends are synchronous, while Deno's own leave only when the event loop runs.
    if (options.udpFfi !== false && ffi) {
      const { connectUdpFfi, udpFfiUnavailable } = await import("./_udp_ffi.ts");
      const why = udpFfiUnavailable();
      if (why === undefined) return connectUdpFfi(udp, context);
      if (fallbackWarnings.first("udp ffi")) {
        context.logger.warn(`spectator.writer: cannot send UDP through the C library: ${why}; using Deno's sockets`);
      }
    }
    if (denoDatagramApi() !== undefined) return (await import("./_deno_udp.ts")).connectDenoUdp(udp);
    return (await import("./_node_udp.ts")).connectNodeUdp(udp, context);
  },
  node: nodeRoute,
  other: nodeRoute,
};

async function nodeRoute(target: SocketTarget, context: TransportContext): Promise<Transport> {
  const why = `${platform().runtime} has no Unix datagram sockets without native addons`;
  const udp = target.kind === "udp" ? target : udpFallback(target.path, context, why);
  return (await import("./_node_udp.ts")).connectNodeUdp(udp, context);
}

/** Warns once per path that `unix://<path>` cannot be reached here, and returns the default UDP target instead. */
function udpFallback(path: string, context: TransportContext, why: string): SocketTarget & { kind: "udp" } {
  if (fallbackWarnings.first(path)) {
    context.logger.warn(
      `spectator.writer: cannot use unix://${path}: ${why}; sending to udp://${DEFAULT_UDP.host}:${DEFAULT_UDP.port} instead`,
    );
  }
  return { kind: "udp", ...DEFAULT_UDP };
}

/**
 * Returns the factory that opens this runtime's transport for a socket
 * target (see the table above).
 *
 * @param options whether Deno may use the C library
 * @returns the factory
 */
export function runtimeTransport(options: RouteOptions): TransportFactory {
  const route = ROUTES[platform().runtime];
  return (target, context) => route(target, context, options);
}
