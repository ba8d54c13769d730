/**
 * Which transport each runtime uses for a socket location, in one table
 * keyed by the runtime `_platform.ts` decided. An adapter is loaded with
 * `import()` when a writer for a socket location is made (never at module
 * load), so a runtime never loads another's, and once loaded it opens its
 * socket synchronously where the runtime allows.
 *
 * @module
 */

import { DEFAULT_UDP } from "../_defaults.ts";
import { andThen, lazyModule, type MaybePromise } from "../_maybe_async.ts";
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
type Route = (target: SocketTarget, context: TransportContext, options: RouteOptions) => MaybePromise<Transport>;

/** A runtime's row: how it opens a transport, and the adapters it will need for a kind of target. */
interface RouteRow {
  open: Route;
  adapters(kind: SocketTarget["kind"], options: RouteOptions): (() => unknown)[];
}

const fallbackWarnings = new OnceSet(100);

const bunUdp = lazyModule(() => import("./_bun_udp.ts"));
const denoUdp = lazyModule(() => import("./_deno_udp.ts"));
const denoUnix = lazyModule(() => import("./_deno_unix.ts"));
const nodeUdp = lazyModule(() => import("./_node_udp.ts"));
const nodeUnix = lazyModule(() => import("./_node_unix.ts"));
const udpFfi = lazyModule(() => import("./_udp_ffi.ts"));
const unixFfi = lazyModule(() => import("./_unix_ffi.ts"));

/**
 * The transport of each runtime:
 *
 * | runtime | `udp` | `unix` |
 * | --- | --- | --- |
 * | Bun | `Bun.udpSocket` | libc through `bun:ffi` |
 * | Deno `--allow-ffi` | libc through `Deno.dlopen` | libc through `Deno.dlopen` |
 * | Deno `--unstable-net` | `Deno.listenDatagram` | `Deno.listenDatagram` (`unixpacket`) |
 * | Deno | `node:dgram` | falls back to `udp://127.0.0.1:1234` with a warning |
 * | Node | `node:dgram` | the optional package `node-unix-socket`; without it, falls back to `udp://127.0.0.1:1234` with a warning |
 * | others | `node:dgram` | falls back to `udp://127.0.0.1:1234` with a warning |
 *
 * Deno takes a row only when its flags allow it and the options do not turn
 * it off (`udpFfi`, `unixFfi`), else the next one; a C library that cannot be
 * loaded is reported once and skipped.
 */
const ROUTES: Record<RuntimeName, RouteRow> = {
  bun: {
    open: (target, context) =>
      target.kind === "unix"
        ? andThen(unixFfi(), (m) => m.connectUnixFfi(target.path, context))
        : andThen(bunUdp(), (m) => m.connectBunUdp(target, context)),
    adapters: (kind) => [kind === "unix" ? unixFfi : bunUdp],
  },
  deno: {
    open: denoRoute,
    adapters(kind, options) {
      const ffi = platform().isGranted({ name: "ffi" });
      if (kind === "unix") return [denoUdp, options.unixFfi !== false && ffi ? unixFfi : denoUnix];
      return [denoUdp, options.udpFfi !== false && ffi ? udpFfi : nodeUdp];
    },
  },
  node: {
    open: (target, context) => target.kind === "udp" ? openNodeUdp(target, context) : nodeUnixRoute(target, context),
    adapters: (kind) =>
      kind === "udp" ? [nodeUdp] : [nodeUdp, nodeUnix, () => andThen(nodeUnix(), (m) => m.loadUnixSocketPackage())],
  },
  other: {
    open: (target, context) => {
      const why = `${platform().runtime} has no Unix datagram sockets without native addons`;
      return openNodeUdp(target.kind === "udp" ? target : udpFallback(target.path, context, why), context);
    },
    adapters: () => [nodeUdp],
  },
};

function denoRoute(target: SocketTarget, context: TransportContext, options: RouteOptions): MaybePromise<Transport> {
  return andThen(denoUdp(), ({ denoDatagramApi, connectDenoUdp }) => {
    const ffi = platform().isGranted({ name: "ffi" });
    if (target.kind === "unix") {
      // FFI first: a pending DatagramConn.send to a full Unix socket spins the CPU and cannot be cancelled.
      if (options.unixFfi !== false && ffi) return andThen(unixFfi(), (m) => m.connectUnixFfi(target.path, context));
      if (denoDatagramApi() !== undefined) return andThen(denoUnix(), (m) => m.connectDenoUnix(target.path, context));
    }
    const udp = target.kind === "udp" ? target : udpFallback(
      target.path,
      context,
      "Deno reaches Unix datagram sockets only with --unstable-net, or with --allow-ffi",
    );
    const denoOwn = () => denoDatagramApi() !== undefined ? connectDenoUdp(udp) : openNodeUdp(udp, context);
    // FFI first: its sends are synchronous, while Deno's own leave only when the event loop runs.
    if (options.udpFfi === false || !ffi) return denoOwn();
    return andThen(udpFfi(), ({ connectUdpFfi, udpFfiUnavailable }) => {
      const why = udpFfiUnavailable();
      if (why === undefined) return connectUdpFfi(udp, context);
      if (fallbackWarnings.first("udp ffi")) {
        context.logger.warn(`spectator.writer: cannot send UDP through the C library: ${why}; using Deno's sockets`);
      }
      return denoOwn();
    });
  });
}

function openNodeUdp(target: SocketTarget & { kind: "udp" }, context: TransportContext): MaybePromise<Transport> {
  return andThen(nodeUdp(), (m) => m.connectNodeUdp(target, context));
}

/** Node's Unix route: `node-unix-socket` when the application installed it, else UDP with a warning. */
function nodeUnixRoute(target: SocketTarget & { kind: "unix" }, context: TransportContext): MaybePromise<Transport> {
  return andThen(
    nodeUnix(),
    (m) =>
      andThen(
        m.loadUnixSocketPackage(),
        (loaded) =>
          "unavailable" in loaded
            ? openNodeUdp(udpFallback(target.path, context, loaded.unavailable), context)
            : m.connectNodeUnix(target.path, context, loaded.DgramSocket),
      ),
  );
}

/**
 * Warns once per path that `unix://<path>` cannot be reached here, tells the
 * writer where its lines go instead, and returns that UDP target.
 */
function udpFallback(path: string, context: TransportContext, why: string): SocketTarget & { kind: "udp" } {
  const udp = `udp://${DEFAULT_UDP.host}:${DEFAULT_UDP.port}`;
  if (fallbackWarnings.first(path)) {
    context.logger.warn(`spectator.writer: cannot use unix://${path}: ${why}; sending to ${udp} instead`);
  }
  context.redirected?.(udp);
  return { kind: "udp", ...DEFAULT_UDP };
}

/**
 * Returns the factory that opens this runtime's transport for a socket
 * target (see the table above), and starts loading the adapters `kind`
 * needs, so that the first transport can open synchronously.
 *
 * @param options whether Deno may use the C library
 * @param kind the kind of target the factory will open; nothing is loaded when omitted
 * @returns the factory
 */
export function runtimeTransport(options: RouteOptions, kind?: SocketTarget["kind"]): TransportFactory {
  const row = ROUTES[platform().runtime];
  if (kind !== undefined) {
    for (const load of row.adapters(kind, options)) {
      // A failure here shows again, and is reported, when the transport opens.
      void Promise.resolve().then(load).catch(() => {});
    }
  }
  return (target, context) => row.open(target, context, options);
}
