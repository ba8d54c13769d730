/**
 * Datagram sockets through the C library, independent of the runtime's
 * foreign function interface and of the address family: the calls the
 * runtime glue binds, errno codes, socket address headers, and a transport
 * that sends without blocking. The address formats live in `_libc_unix.ts`
 * (`sockaddr_un`) and `_libc_inet.ts` (`sockaddr_in`, `sockaddr_in6`); the
 * glue in `_libc_ffi.ts`. (The agent stand-in receives in `cli/_libc_receiver.ts`.)
 *
 * @module
 */

import { type Transport, TransportError, type TransportErrorCode } from "./transport.ts";

/** The operating systems whose socket constants this module knows. */
export type LibcPlatform = "linux" | "darwin";

/**
 * The C library calls the transport needs, bound by the runtime glue. Each
 * returns what the C function returns on success and `-errno` on failure, so
 * the glue reads `errno` right after the call, before any other JavaScript
 * (which may allocate, collect garbage and overwrite it) runs.
 */
export interface Libc {
  /** The operating system, which decides the constants and address layouts. */
  readonly platform: LibcPlatform;
  /** `socket(domain, type, protocol)`: a file descriptor, or `-errno`. */
  socket(domain: number, type: number, protocol: number): number;
  /** `connect(fd, address, address.length)`: 0, or `-errno`. */
  connect(fd: number, address: Uint8Array): number;
  /**
   * `sendto(fd, data, data.length, flags, address, address.length)`, with a
   * NULL address for a connected socket: bytes sent, or `-errno`.
   */
  sendto(fd: number, data: Uint8Array, flags: number, address: Uint8Array | null): number;
  /** `close(fd)`: 0, or `-errno`. */
  close(fd: number): number;
}

/** Where a socket sends, in the form {@linkcode openDatagramSocket} needs. */
export interface DatagramDestination {
  /** The address family, e.g. `AF_UNIX`, with this platform's value. */
  domain: number;
  /** The receiver's `struct sockaddr`. */
  address: Uint8Array;
  /**
   * Whether to `connect()` the socket once (the kernel then reports a
   * receiver that is gone, e.g. ICMP "port unreachable" as `ECONNREFUSED`
   * on a later send), rather than pass the address with every `sendto()`.
   */
  connect: boolean;
  /** The receiver for messages, e.g. `udp://127.0.0.1:1234`. */
  where: string;
}

/** The socket constants of one operating system. */
export interface PlatformConstants {
  /** `SOCK_CLOEXEC`, or 0 where `socket()` takes no flags in its type. */
  sockCloexec: number;
  /** `MSG_DONTWAIT`. */
  msgDontwait: number;
  /** Whether a socket address starts with a length byte (BSD layout) before a one-byte family. */
  saLen: boolean;
  /** errno values by name. */
  errno: Partial<Record<TransportErrorCode, number>>;
}

const SOCK_DGRAM = 2;

/** errno values that Linux and macOS share: both kept Version 7 Unix's numbers for these. */
const UNIX_ERRNO: Partial<Record<TransportErrorCode, number>> = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EPIPE: 32,
};

const CONSTANTS: Record<LibcPlatform, PlatformConstants> = {
  linux: {
    sockCloexec: 0o2000000,
    msgDontwait: 0x40,
    saLen: false,
    errno: {
      ...UNIX_ERRNO,
      EAGAIN: 11,
      ENAMETOOLONG: 36,
      ELOOP: 40,
      ENOTSOCK: 88,
      EDESTADDRREQ: 89,
      EMSGSIZE: 90,
      EPROTOTYPE: 91,
      EAFNOSUPPORT: 97,
      EADDRINUSE: 98,
      EADDRNOTAVAIL: 99,
      ENETUNREACH: 101,
      ECONNRESET: 104,
      ENOBUFS: 105,
      ENOTCONN: 107,
      ECONNREFUSED: 111,
      EHOSTUNREACH: 113,
    },
  },
  darwin: {
    sockCloexec: 0,
    msgDontwait: 0x80,
    saLen: true,
    errno: {
      ...UNIX_ERRNO,
      EAGAIN: 35,
      ENOTSOCK: 38,
      EDESTADDRREQ: 39,
      EMSGSIZE: 40,
      EPROTOTYPE: 41,
      EAFNOSUPPORT: 47,
      EADDRINUSE: 48,
      EADDRNOTAVAIL: 49,
      ENETUNREACH: 51,
      ECONNRESET: 54,
      ENOBUFS: 55,
      ENOTCONN: 57,
      ECONNREFUSED: 61,
      ELOOP: 62,
      ENAMETOOLONG: 63,
      EHOSTUNREACH: 65,
    },
  },
};

const DESCRIPTIONS: Partial<Record<TransportErrorCode, string>> = {
  ENOENT: "no socket exists at this path",
  ECONNREFUSED: "nothing is listening there",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EAGAIN: "the receiver's queue is full",
  ENOBUFS: "no buffer space available",
  EMSGSIZE: "the datagram is too large",
  ENOTSOCK: "the path is not a socket",
  EPROTOTYPE: "the socket at this path is not a datagram socket",
  ENOTDIR: "a component of the path is not a directory",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EAFNOSUPPORT: "the address family is not supported",
  EADDRNOTAVAIL: "the address is not available",
  EADDRINUSE: "the address is already in use",
  ENETUNREACH: "the network is unreachable",
  EHOSTUNREACH: "the host is unreachable",
};

/** Returns the socket constants of `platform`, e.g. its `MSG_DONTWAIT`. */
export function platformConstants(platform: LibcPlatform): PlatformConstants {
  return CONSTANTS[platform];
}

/**
 * Opens a `SOCK_DGRAM` socket of the address family `domain`, closed on
 * `exec` where `socket()` can say so.
 *
 * @returns the file descriptor
 * @throws {Error} with the errno name as `code` when `socket()` fails
 */
export function openDatagramFd(libc: Pick<Libc, "platform" | "socket">, domain: number, where: string): number {
  const fd = libc.socket(domain, SOCK_DGRAM | CONSTANTS[libc.platform].sockCloexec, 0);
  if (fd < 0) throw errnoError(-fd, "create a socket for", where, libc.platform);
  return fd;
}

/** Names an errno value, e.g. `ENOENT`; unknown values become `errno <n>`. */
export function errnoName(errno: number, platform: LibcPlatform): TransportErrorCode | `errno ${number}` {
  for (const [name, value] of Object.entries(CONSTANTS[platform].errno)) {
    if (value === errno) return name as TransportErrorCode;
  }
  return `errno ${errno}`;
}

/**
 * A {@linkcode TransportError} for a failed C call, with `code` (e.g.
 * `ENOENT`; `EOTHER` for an errno this module does not name), `errno` and
 * `syscall` like Node's system errors; the message reads
 * `Cannot <syscall> <where>: <why> (<name>)`.
 */
export function errnoError(errno: number, syscall: string, where: string, platform: LibcPlatform): TransportError {
  const name = errnoName(errno, platform);
  const code: TransportErrorCode = name.startsWith("errno ") ? "EOTHER" : name as TransportErrorCode;
  const why = DESCRIPTIONS[code] ?? "system error";
  return Object.assign(new TransportError(code, `Cannot ${syscall} ${where}: ${why} (${name})`), { errno, syscall });
}

/**
 * Allocates a zeroed socket address of `size` bytes and writes its header:
 * the length byte and a one-byte family on macOS, a native-endian 16-bit
 * family on Linux.
 */
export function socketAddress(size: number, family: number, platform: LibcPlatform): Uint8Array {
  const address = new Uint8Array(size);
  if (CONSTANTS[platform].saLen) {
    address[0] = size;
    address[1] = family;
  } else {
    new Uint16Array(address.buffer, 0, 1)[0] = family; // sa_family_t in native byte order
  }
  return address;
}

/**
 * Opens a `SOCK_DGRAM` socket for `destination` and returns a transport that
 * sends each datagram with `MSG_DONTWAIT`: with `send` on a connected socket,
 * else with `sendto` and the address. A send returns once the kernel has the
 * datagram, and never blocks: a full buffer throws `EAGAIN` (or `ENOBUFS`),
 * like every other failure, as a {@linkcode TransportError} named after the
 * errno value. `close()` closes the file descriptor, which never keeps the
 * process alive; a send after it throws `EBADF`.
 *
 * @param libc the C calls, bound by the runtime
 * @param destination the family, address and whether to connect
 * @returns the transport
 * @throws {TransportError} when `socket()` or `connect()` fails
 */
export function openDatagramSocket(libc: Libc, destination: DatagramDestination): Transport {
  const platform = libc.platform;
  const { where } = destination;
  const flags = CONSTANTS[platform].msgDontwait;
  const fd = openDatagramFd(libc, destination.domain, where);
  const address = destination.connect ? null : destination.address;
  if (destination.connect) {
    const connected = libc.connect(fd, destination.address);
    if (connected < 0) {
      libc.close(fd);
      throw errnoError(-connected, "connect to", where, platform);
    }
  }
  let closed: Promise<void> | undefined;
  return {
    send(datagram) {
      if (closed !== undefined) throw errnoError(CONSTANTS[platform].errno.EBADF!, "send to", where, platform);
      const sent = libc.sendto(fd, datagram, flags, address);
      if (sent < 0) throw errnoError(-sent, "send to", where, platform);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        const result = libc.close(fd);
        if (result < 0) throw errnoError(-result, "close the socket for", where, platform);
        resolve();
      });
      return closed;
    },
  };
}
