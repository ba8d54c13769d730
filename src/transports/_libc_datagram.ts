/**
 * Datagram sockets through the C library, independent of the runtime's
 * foreign function interface and of the address family: the calls the
 * runtime glue binds, errno codes, socket address headers, and a transport
 * that sends without blocking and waits out a full buffer on a timer. The
 * address formats live in `_libc_unix.ts` (`sockaddr_un`) and
 * `_libc_inet.ts` (`sockaddr_in`, `sockaddr_in6`); the glue in `_libc_ffi.ts`;
 * receiving in `_libc_datagram_receiver.ts`.
 *
 * @module
 */

import type { Transport } from "./transport.ts";

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
  /** `bind(fd, address, address.length)`: 0, or `-errno`. */
  bind(fd: number, address: Uint8Array): number;
  /** `recv(fd, buffer, buffer.length, flags)`: the datagram's size, or `-errno`. */
  recv(fd: number, buffer: Uint8Array, flags: number): number;
  /** `unlink(path)`, with `path` NUL-terminated: 0, or `-errno`. */
  unlink(path: Uint8Array): number;
}

/** Options for {@linkcode openDatagramSocket}. */
export interface DatagramOptions {
  /**
   * How long datagrams may wait for a full buffer without any of them being
   * taken, in milliseconds, before they are failed with `EAGAIN` (default 1000).
   */
  stallMs?: number;
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
  errno: Record<string, number>;
}

const SOCK_DGRAM = 2;

/** errno values that Linux and macOS share: both kept Version 7 Unix's numbers for these. */
const UNIX_ERRNO: Record<string, number> = {
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

const DESCRIPTIONS: Record<string, string> = {
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
export function openDatagramFd(libc: Libc, domain: number, where: string): number {
  const fd = libc.socket(domain, SOCK_DGRAM | CONSTANTS[libc.platform].sockCloexec, 0);
  if (fd < 0) throw errnoError(-fd, "create a socket for", where, libc.platform);
  return fd;
}

/** Names an errno value, e.g. `ENOENT`; unknown values become `errno <n>`. */
export function errnoName(errno: number, platform: LibcPlatform): string {
  for (const [name, value] of Object.entries(CONSTANTS[platform].errno)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}

/**
 * An `Error` for a failed C call, with `code` (e.g. `ENOENT`), `errno` and
 * `syscall` like Node's system errors; the message reads
 * `Cannot <syscall> <where>: <why> (<code>)`.
 */
export function errnoError(errno: number, syscall: string, where: string, platform: LibcPlatform): Error {
  const code = errnoName(errno, platform);
  const why = DESCRIPTIONS[code] ?? "system error";
  return Object.assign(new Error(`Cannot ${syscall} ${where}: ${why} (${code})`), { code, errno, syscall });
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

interface Waiting {
  datagram: Uint8Array;
  resolve(): void;
  reject(error: unknown): void;
}

/** Retry delays while the buffer is full: short, since the receiver drains it within microseconds. */
const FIRST_RETRY_MS = 1;
const LAST_RETRY_MS = 16;

/**
 * Opens a `SOCK_DGRAM` socket for `destination` and returns a transport that
 * sends each datagram with `MSG_DONTWAIT`: with `send` on a connected socket,
 * else with `sendto` and the address.
 *
 * A send that succeeds at once returns nothing; errors throw synchronously
 * with the errno name as `code`. When the buffer is full (`EAGAIN`, or
 * `ENOBUFS`) the datagram and every later one wait, in order, in a queue
 * retried every few milliseconds on a timer (never blocking the event loop),
 * and `send` returns a promise. The queue is bounded by the LineWriter's
 * pending limit; if nothing is taken for `stallMs`, every waiting datagram
 * fails with `EAGAIN`. `close()` waits for the queue, then closes the file
 * descriptor, which never keeps the process alive.
 *
 * @param libc the C calls, bound by the runtime
 * @param destination the family, address and whether to connect
 * @param options how long a full buffer may stall
 * @returns the transport
 * @throws {Error} with the errno name as `code` when `socket()` or `connect()` fails
 */
export function openDatagramSocket(
  libc: Libc,
  destination: DatagramDestination,
  options: DatagramOptions = {},
): Transport {
  const platform = libc.platform;
  const constants = CONSTANTS[platform];
  const { EAGAIN, ENOBUFS, EINTR, EMSGSIZE } = constants.errno;
  const { where } = destination;
  const stallMs = options.stallMs ?? 1000;
  const flags = constants.msgDontwait;
  const fd = openDatagramFd(libc, destination.domain, where);
  const address = destination.connect ? null : destination.address;
  if (destination.connect) {
    const connected = libc.connect(fd, destination.address);
    if (connected < 0) {
      libc.close(fd);
      throw errnoError(-connected, "connect to", where, platform);
    }
  }

  let waiting: Waiting[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delayMs = FIRST_RETRY_MS;
  let lastProgress = 0;
  let closing: Promise<void> | undefined;
  let drained: (() => void) | undefined;

  /** Sends once; returns 0 on success, else the errno. */
  function sendOnce(datagram: Uint8Array): number {
    const result = libc.sendto(fd, datagram, flags, address);
    return result >= 0 ? 0 : -result;
  }

  function mustWait(errno: number): boolean {
    return errno === EAGAIN || errno === ENOBUFS || errno === EINTR;
  }

  function failWaiting(error: Error): void {
    const failed = waiting;
    waiting = [];
    for (const item of failed) item.reject(error);
  }

  /**
   * Sends what waits, in order, until the queue is empty or the buffer is
   * full again. Returns whether anything was taken. Fails everything waiting
   * when the receiver is gone.
   */
  function pump(): boolean {
    let progressed = false;
    while (waiting.length > 0) {
      const errno = sendOnce(waiting[0].datagram);
      if (errno !== 0 && mustWait(errno)) break;
      const item = waiting.shift()!;
      if (errno === 0) {
        progressed = true;
        item.resolve();
      } else if (errno === EMSGSIZE) {
        item.reject(errnoError(errno, "send to", where, platform));
      } else {
        // The receiver is gone (ENOENT, ECONNREFUSED, ...): the rest would fail the same way.
        const error = errnoError(errno, "send to", where, platform);
        item.reject(error);
        failWaiting(error);
      }
    }
    if (progressed) {
      lastProgress = Date.now();
      delayMs = FIRST_RETRY_MS;
    }
    return progressed;
  }

  /** The timer's turn: pump, then give up on a stalled receiver, or look again soon. */
  function retry(): void {
    timer = undefined;
    if (!pump() && waiting.length > 0 && Date.now() - lastProgress >= stallMs) {
      failWaiting(Object.assign(errnoError(EAGAIN, "send to", where, platform), {
        message: `Cannot send to ${where}: the receiver took no datagram for ${stallMs} ms (EAGAIN)`,
      }));
    }
    if (waiting.length === 0) return drained?.();
    delayMs = Math.min(delayMs * 2, LAST_RETRY_MS);
    schedule();
  }

  function schedule(): void {
    // Not unref'd on purpose: it runs only while datagrams wait, at most stallMs past the last progress,
    // so a program that ends during a burst still delivers it.
    timer ??= setTimeout(retry, delayMs);
  }

  return {
    send(datagram) {
      if (closing !== undefined) throw errnoError(constants.errno.EBADF, "send to", where, platform);
      if (waiting.length > 0) pump();
      if (waiting.length === 0) {
        const errno = sendOnce(datagram);
        if (errno === 0) return;
        if (!mustWait(errno)) throw errnoError(errno, "send to", where, platform);
        lastProgress = Date.now();
        delayMs = FIRST_RETRY_MS;
      }
      return new Promise<void>((resolve, reject) => {
        waiting.push({ datagram, resolve, reject });
        schedule();
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (waiting.length === 0) resolve();
        else drained = resolve;
      }).then(() => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        const result = libc.close(fd);
        if (result < 0) throw errnoError(-result, "close the socket for", where, platform);
      });
      return closing;
    },
  };
}
