/**
 * Unix datagram sockets through the C library: the `sockaddr_un` address, and
 * a transport that finds the socket file anew with every send. The socket
 * logic is shared with UDP in `_libc_datagram.ts`.
 *
 * @module
 */

import type { Libc, LibcPlatform } from "./_libc_datagram.ts";
import { openDatagramSocket, socketAddress } from "./_libc_datagram.ts";
import type { Transport } from "./transport.ts";

/** `AF_UNIX`, the same on Linux and macOS. */
export const AF_UNIX = 1;

/** The size of `sun_path`, the terminating NUL included. */
const SUN_PATH_BYTES: Record<LibcPlatform, number> = { linux: 108, darwin: 104 };

const encoder = new TextEncoder();

/**
 * Builds the `struct sockaddr_un` for `path`, NUL-terminated and cut to its
 * used length. Throws a `RangeError` when the path does not fit `sun_path`.
 */
export function sockaddrUn(path: string, platform: LibcPlatform): Uint8Array {
  const bytes = encoder.encode(path);
  const max = SUN_PATH_BYTES[platform] - 1;
  if (bytes.length > max) {
    throw new RangeError(
      `Cannot open unix://${path}: a Unix socket path holds at most ${max} bytes: received ${bytes.length}`,
    );
  }
  if (bytes.includes(0)) throw new TypeError(`Cannot open unix://${path}: the path contains a NUL character`);
  const address = socketAddress(2 + bytes.length + 1, AF_UNIX, platform);
  address.set(bytes, 2);
  return address;
}

/**
 * Opens an unconnected `AF_UNIX`/`SOCK_DGRAM` socket and returns a transport
 * that sends each datagram with `sendto(MSG_DONTWAIT)` to `path`. Because the
 * socket is not connected, an agent that re-creates its socket file is found
 * again by the next send. A full receive queue throws `EAGAIN` (see
 * {@linkcode openDatagramSocket}).
 *
 * @param libc the C calls, bound by the runtime
 * @param path the receiver's socket path
 * @returns the transport
 */
export function openUnixDatagram(libc: Libc, path: string): Transport {
  const address = sockaddrUn(path, libc.platform);
  return openDatagramSocket(libc, { domain: AF_UNIX, address, connect: false, where: `unix://${path}` });
}
