/**
 * Unix datagram sockets through the C library's `socket`/`sendto`, called
 * with `bun:ffi` under Bun and `Deno.dlopen` under Deno (`--allow-ffi`).
 *
 * @module
 */

import { loadLibc } from "./_libc_ffi.ts";
import { openUnixDatagram } from "./_libc_unix.ts";
import type { Transport, TransportContext } from "./transport.ts";

/**
 * Opens a Unix datagram socket to `path` through the C library: `bun:ffi`
 * under Bun, `Deno.dlopen` under Deno (needs `--allow-ffi`, not
 * `--unstable-net`). The socket is not connected, so each send finds the
 * socket file at `path` anew and an agent that restarted is reached again.
 * Sends are synchronous and never block: errors, a full receive queue
 * included, throw a `TransportError` whose `code` is the errno name
 * (`ENOENT`, `ECONNREFUSED`, `EAGAIN`, `EMSGSIZE`, ...). A file descriptor
 * from the C library never keeps the process alive.
 *
 * @param path the receiver's socket path, at most 107 bytes (103 on macOS)
 * @param _context unused: every error is reported by `send`
 * @returns the transport, at once
 * @throws {RangeError} for a path too long; {@linkcode Error} when the C library cannot be loaded or `socket()` fails
 */
export function connectUnixFfi(path: string, _context: TransportContext): Transport {
  return openUnixDatagram(loadLibc("Unix sockets"), path);
}
