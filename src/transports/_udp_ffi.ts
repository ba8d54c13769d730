/**
 * UDP through the C library's `socket`/`connect`/`send`, called with
 * `Deno.dlopen` under Deno (`--allow-ffi`) and `bun:ffi` under Bun. Unlike
 * Deno's own UDP sockets it sends synchronously, so a burst leaves while it
 * is written instead of waiting in memory for the event loop.
 *
 * @module
 */

import { andThen, type MaybePromise } from "../_maybe_async.ts";
import { loadLibc } from "./_libc_ffi.ts";
import { openUdpDatagram } from "./_libc_inet.ts";
import { udpEndpoints } from "./_resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

const PURPOSE = "UDP sockets";

/**
 * Tells why the C library cannot carry UDP here, loading it if needed.
 *
 * @returns `undefined` when it can, else the reason
 */
export function udpFfiUnavailable(): string | undefined {
  try {
    loadLibc(PURPOSE);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Opens a UDP socket connected to `target` through the C library. A hostname
 * is resolved here, each time a transport is made, and Deno's network
 * permission is required for both ends as for its own sockets. Sends are
 * synchronous and never block: a send returns once the kernel has the
 * datagram. Errors throw a `TransportError` whose `code` is the errno name:
 * `EAGAIN` or `ENOBUFS` for a full buffer (the LineWriter sends the datagram
 * again shortly), `ECONNREFUSED` once ICMP has reported the port unreachable
 * (the LineWriter then re-creates the transport), `EMSGSIZE` for a datagram
 * over the limit. A file descriptor from the C library never keeps the
 * process alive.
 *
 * @param target where datagrams go
 * @param _context unused: every error is reported by `send`
 * @returns the transport, once the socket is connected: at once for an IP address
 * @throws {Error} on Deno without `--allow-ffi` or network permission, when
 * the hostname does not resolve, or when `socket()` or `connect()` fails
 */
export function connectUdpFfi(
  target: { host: string; port: number },
  _context: TransportContext,
): MaybePromise<Transport> {
  const libc = loadLibc(PURPOSE);
  return andThen(udpEndpoints(target), ({ family, remote, port }) => openUdpDatagram(libc, { family, remote, port }));
}
