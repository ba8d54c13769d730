/**
 * UDP sockets through the C library: the `sockaddr_in` and `sockaddr_in6`
 * addresses built from an IP literal, and a transport on a connected socket.
 * The socket logic is shared with Unix sockets in `_libc_datagram.ts`.
 *
 * @module
 */

import type { Libc, LibcPlatform } from "./_libc_datagram.ts";
import { openDatagramSocket, socketAddress } from "./_libc_datagram.ts";
import type { Transport } from "./transport.ts";
import { formatHost } from "../location.ts";

const AF_INET = 2;
/** `AF_INET6`: the one family number Linux and macOS do not share. */
const AF_INET6: Record<LibcPlatform, number> = { linux: 10, darwin: 30 };
/** `sizeof(struct sockaddr_in)` and `sizeof(struct sockaddr_in6)`. */
const SOCKADDR_IN_BYTES = 16;
const SOCKADDR_IN6_BYTES = 28;

/** A resolved UDP destination. */
export interface InetEndpoint {
  /** The address family of {@linkcode remote}. */
  family: 4 | 6;
  /** An IPv4 or IPv6 literal, without brackets or zone. */
  remote: string;
  /** The port, from 0 to 65535. */
  port: number;
}

/** The four bytes of a dotted-quad IPv4 literal, or `undefined` when `text` is not one. */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return Uint8Array.from(parts, Number);
}

/**
 * The sixteen bytes of an IPv6 literal (`::1`, `fd00::a:1`, `::ffff:127.0.0.1`),
 * or `undefined` when `text` is not one. A zone (`%eth0`) is not accepted.
 */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1], true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** The 16-bit words of colon-separated hex groups, the last of which may be a dotted quad. */
function groups(text: string, dottedLast: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (/^[0-9a-f]{1,4}$/i.test(part)) {
      words.push(parseInt(part, 16));
      continue;
    }
    const quad = dottedLast && i === parts.length - 1 ? ipv4Bytes(part) : undefined;
    if (quad === undefined) return undefined;
    words.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
  }
  return words;
}

/**
 * Builds the `struct sockaddr_in` or `struct sockaddr_in6` (flow info and
 * scope id 0) for `endpoint`, with the port in network byte order. Throws a
 * `TypeError` for an address that is not an IP literal of its family.
 */
export function sockaddrIn(endpoint: InetEndpoint, platform: LibcPlatform): Uint8Array {
  const { family, remote, port } = endpoint;
  const ip = family === 4 ? ipv4Bytes(remote) : ipv6Bytes(remote);
  if (ip === undefined) {
    throw new TypeError(
      `Cannot open udp://${formatHost(remote)}:${port}: not an IPv${family} address: received ${remote}`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot open udp://${formatHost(remote)}:${port}: port must be from 0 to 65535: received ${port}`,
    );
  }
  const address = family === 4
    ? socketAddress(SOCKADDR_IN_BYTES, AF_INET, platform)
    : socketAddress(SOCKADDR_IN6_BYTES, AF_INET6[platform], platform);
  address[2] = port >> 8;
  address[3] = port & 0xff;
  // sin_addr follows the port; sin6_addr follows the port and the 4-byte sin6_flowinfo.
  address.set(ip, family === 4 ? 4 : 8);
  return address;
}

/**
 * Opens a `SOCK_DGRAM` socket connected to `endpoint` (the kernel picks the
 * local address and an ephemeral port) and returns a transport that sends
 * with `send(MSG_DONTWAIT)`: synchronous, and never blocking (see
 * {@linkcode openDatagramSocket}). Once ICMP reports the port unreachable, a
 * later send throws an `Error` with code `ECONNREFUSED`.
 *
 * @param libc the C calls, bound by the runtime
 * @param endpoint the resolved address and port
 * @returns the transport
 */
export function openUdpDatagram(libc: Libc, endpoint: InetEndpoint): Transport {
  const platform = libc.platform;
  const address = sockaddrIn(endpoint, platform);
  const domain = endpoint.family === 4 ? AF_INET : AF_INET6[platform];
  const where = `udp://${formatHost(endpoint.remote)}:${endpoint.port}`;
  return openDatagramSocket(libc, { domain, address, connect: true, where });
}
