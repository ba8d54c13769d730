/**
 * Unix datagram sockets through the C library, independent of the runtime's
 * foreign function interface: socket addresses, errno codes, and a transport
 * that waits out a full receive queue without blocking the event loop. The
 * runtime glue in `unix_ffi.ts` supplies three C calls through
 * {@linkcode LibcUnix}.
 *
 * @module
 */

import type { Transport } from "./transport.ts";

/** The operating systems whose socket constants this module knows. */
export type LibcPlatform = "linux" | "darwin";

/**
 * The three C library calls the transport needs, bound by the runtime glue.
 * Each returns what the C function returns on success and `-errno` on
 * failure, so the glue reads `errno` right after the call, before any other
 * JavaScript (which may allocate, collect garbage and overwrite it) runs.
 */
export interface LibcUnix {
  /** The operating system, which decides the constants and address layout. */
  readonly platform: LibcPlatform;
  /** `socket(domain, type, protocol)`: a file descriptor, or `-errno`. */
  socket(domain: number, type: number, protocol: number): number;
  /** `sendto(fd, data, data.length, flags, address, address.length)`: bytes sent, or `-errno`. */
  sendto(fd: number, data: Uint8Array, flags: number, address: Uint8Array): number;
  /** `close(fd)`: 0, or `-errno`. */
  close(fd: number): number;
}

/** Options for {@linkcode openUnixDatagram}. */
export interface UnixDatagramOptions {
  /**
   * How long datagrams may wait for a full receive queue without any of them
   * being taken, in milliseconds, before they are failed with `EAGAIN`
   * (default 1000).
   */
  stallMs?: number;
}

interface PlatformConstants {
  /** `SOCK_CLOEXEC`, or 0 where `socket()` takes no flags in its type. */
  sockCloexec: number;
  /** `MSG_DONTWAIT`. */
  msgDontwait: number;
  /** The size of `sun_path`, the terminating NUL included. */
  sunPathBytes: number;
  /** Whether `sockaddr_un` starts with a `sun_len` byte (BSD layout). */
  sunLen: boolean;
  /** errno values by name. */
  errno: Record<string, number>;
}

const AF_UNIX = 1;
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
    sunPathBytes: 108,
    sunLen: false,
    errno: {
      ...UNIX_ERRNO,
      EAGAIN: 11,
      ENAMETOOLONG: 36,
      ELOOP: 40,
      ENOTSOCK: 88,
      EMSGSIZE: 90,
      EPROTOTYPE: 91,
      EAFNOSUPPORT: 97,
      ENOBUFS: 105,
      ENOTCONN: 107,
      ECONNREFUSED: 111,
    },
  },
  darwin: {
    sockCloexec: 0,
    msgDontwait: 0x80,
    sunPathBytes: 104,
    sunLen: true,
    errno: {
      ...UNIX_ERRNO,
      EAGAIN: 35,
      ENOTSOCK: 38,
      EMSGSIZE: 40,
      EPROTOTYPE: 41,
      EAFNOSUPPORT: 47,
      ENOBUFS: 55,
      ENOTCONN: 57,
      ECONNREFUSED: 61,
      ELOOP: 62,
      ENAMETOOLONG: 63,
    },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  ENOENT: "no socket exists at this path",
  ECONNREFUSED: "nothing is listening on this socket",
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
};

/** Names an errno value, e.g. `ENOENT`; unknown values become `errno <n>`. */
export function errnoName(errno: number, platform: LibcPlatform): string {
  for (const [name, value] of Object.entries(CONSTANTS[platform].errno)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}

/** An `Error` for a failed C call, with `code` (e.g. `ENOENT`), `errno` and `syscall` like Node's system errors. */
export function errnoError(errno: number, syscall: string, path: string, platform: LibcPlatform): Error {
  const code = errnoName(errno, platform);
  const why = DESCRIPTIONS[code] ?? "system error";
  return Object.assign(new Error(`Cannot ${syscall} unix://${path}: ${why} (${code})`), { code, errno, syscall });
}

const encoder = new TextEncoder();

/**
 * Builds the `struct sockaddr_un` for `path`, NUL-terminated and cut to its
 * used length. Throws a `RangeError` when the path does not fit `sun_path`.
 */
export function sockaddrUn(path: string, platform: LibcPlatform): Uint8Array {
  const { sunPathBytes, sunLen } = CONSTANTS[platform];
  const bytes = encoder.encode(path);
  const max = sunPathBytes - 1;
  if (bytes.length > max) {
    throw new RangeError(
      `Cannot open unix://${path}: a Unix socket path holds at most ${max} bytes: received ${bytes.length}`,
    );
  }
  if (bytes.includes(0)) throw new TypeError(`Cannot open unix://${path}: the path contains a NUL character`);
  const address = new Uint8Array(2 + bytes.length + 1);
  if (sunLen) {
    address[0] = address.length;
    address[1] = AF_UNIX;
  } else {
    new Uint16Array(address.buffer, 0, 1)[0] = AF_UNIX; // sa_family_t in native byte order
  }
  address.set(bytes, 2);
  return address;
}

interface Waiting {
  datagram: Uint8Array;
  resolve(): void;
  reject(error: unknown): void;
}

/** Retry delays while the receive queue is full: short, since SpectatorD drains it within microseconds. */
const FIRST_RETRY_MS = 1;
const LAST_RETRY_MS = 16;

/**
 * Opens an unconnected `AF_UNIX`/`SOCK_DGRAM` socket and returns a transport
 * that sends each datagram with `sendto(MSG_DONTWAIT)` to `path`. Because the
 * socket is not connected, an agent that re-creates its socket file is found
 * again by the next send.
 *
 * A send that succeeds at once returns nothing; errors throw synchronously
 * with the errno name as `code`. When the receiver's queue is full (`EAGAIN`,
 * or `ENOBUFS` on macOS) the datagram and every later one wait, in order, in
 * a queue retried every few milliseconds on a timer (never blocking the event
 * loop), and `send` returns a promise. The queue is bounded by the
 * LineWriter's pending limit; if nothing is taken for `stallMs`, every
 * waiting datagram fails with `EAGAIN`. `close()` waits for the queue, then
 * closes the file descriptor.
 *
 * @param libc the C calls, bound by the runtime
 * @param path the receiver's socket path
 * @param options how long a full queue may stall
 */
export function openUnixDatagram(libc: LibcUnix, path: string, options: UnixDatagramOptions = {}): Transport {
  const platform = libc.platform;
  const constants = CONSTANTS[platform];
  const { EAGAIN, ENOBUFS, EINTR, EMSGSIZE } = constants.errno;
  const stallMs = options.stallMs ?? 1000;
  const address = sockaddrUn(path, platform);
  const flags = constants.msgDontwait;
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | constants.sockCloexec, 0);
  if (fd < 0) throw errnoError(-fd, "create a socket for", path, platform);

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
   * Sends what waits, in order, until the queue is empty or the receiver's is
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
        item.reject(errnoError(errno, "send to", path, platform));
      } else {
        // The receiver is gone (ENOENT, ECONNREFUSED, ...): the rest would fail the same way.
        const error = errnoError(errno, "send to", path, platform);
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
      failWaiting(Object.assign(errnoError(EAGAIN, "send to", path, platform), {
        message: `Cannot send to unix://${path}: the receiver took no datagram for ${stallMs} ms (EAGAIN)`,
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
      if (closing !== undefined) throw errnoError(constants.errno.EBADF, "send to", path, platform);
      if (waiting.length > 0) pump();
      if (waiting.length === 0) {
        const errno = sendOnce(datagram);
        if (errno === 0) return;
        if (!mustWait(errno)) throw errnoError(errno, "send to", path, platform);
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
        if (result < 0) throw errnoError(-result, "close the socket for", path, platform);
      });
      return closing;
    },
  };
}
