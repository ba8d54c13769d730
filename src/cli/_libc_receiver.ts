/**
 * The agent stand-in's Unix datagram socket through the C library (Bun, and
 * Deno with `--allow-ffi`): the receiving calls (`bind`, `recv`, `unlink`),
 * and a bound socket read without blocking on a short timer. The client's
 * transports only send; the socket constants and addresses are theirs.
 *
 * @module
 */

import type { ForeignSymbols } from "../_ffi.ts";
import { errnoError, type Libc, openDatagramFd, platformConstants } from "../transports/_libc_datagram.ts";
import { checked, openLibc } from "../transports/_libc_ffi.ts";
import { AF_UNIX, sockaddrUn } from "../transports/_libc_unix.ts";

// `recv` returns `ssize_t`, read as its low 32 bits (see the sending calls).
const RECEIVING_CALLS: ForeignSymbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
};

/** The C calls a receiver needs; each returns `-errno` on failure. */
export interface ReceivingLibc extends Pick<Libc, "platform" | "socket" | "close"> {
  /** `bind(fd, address, address.length)`: 0, or `-errno`. */
  bind(fd: number, address: Uint8Array): number;
  /** `recv(fd, buffer, buffer.length, flags)`: the datagram's size, or `-errno`. */
  recv(fd: number, buffer: Uint8Array, flags: number): number;
  /** `unlink(path)`, with `path` NUL-terminated: 0, or `-errno`. */
  unlink(path: Uint8Array): number;
}

let loaded: ReceivingLibc | undefined;

/**
 * Loads the C library's receiving calls, once per thread.
 *
 * @returns the bound calls
 * @throws {Error} where the runtime has no foreign function interface or may not use it
 */
export function loadReceivingLibc(): ReceivingLibc {
  if (loaded !== undefined) return loaded;
  const { platform, calls, readErrno } = openLibc("Unix sockets", RECEIVING_CALLS);
  const [socket, close, bind, recv, unlink] = ["socket", "close", "bind", "recv", "unlink"].map((name) =>
    checked(calls[name], readErrno)
  );
  loaded = {
    platform,
    socket,
    close,
    bind: (fd, address) => bind(fd, address, address.length),
    recv: (fd, buffer, flags) => recv(fd, buffer, buffer.length, flags),
    unlink,
  };
  return loaded;
}

/** Where a socket receives, in the form {@linkcode receiveDatagrams} needs. */
export interface DatagramSource {
  /** The address family, e.g. `AF_UNIX`, with this platform's value. */
  domain: number;
  /** The `struct sockaddr` to bind. */
  address: Uint8Array;
  /** The address for messages, e.g. `unix:///tmp/agent.sock`. */
  where: string;
}

/** A bound socket that hands each datagram to a callback until closed. */
export interface DatagramReceiver {
  /** Stops receiving and closes the file descriptor; idempotent. */
  close(): void;
}

/**
 * Room for the largest datagram Linux lets a sender queue with its default
 * socket buffer (212,992 bytes); a longer one would be cut to this size.
 */
const RECEIVE_BUFFER_BYTES = 256 * 1024;

/**
 * How often an idle socket is read. The kernel queues what arrives between
 * two reads, and an agent that publishes every few seconds shows no 10 ms
 * delay; a hundred empty `recv` calls a second cost next to nothing.
 */
const IDLE_POLL_MS = 10;

/**
 * How soon a socket that just had datagrams is read again: Linux queues only
 * `net.unix.max_dgram_qlen` (often 10) datagrams per Unix socket and makes
 * the sender wait beyond that, so a burst is taken at once.
 */
const BUSY_POLL_MS = 1;

/** The most datagrams one read takes, so that a flood cannot hold the event loop. */
const MAX_DATAGRAMS_PER_POLL = 1000;

/**
 * Opens a `SOCK_DGRAM` socket, binds it to `source`, and hands each datagram
 * to `onDatagram` as a copy of its bytes. Reads never block the event loop:
 * every poll calls `recv(MSG_DONTWAIT)` until the queue is empty (`EAGAIN`,
 * also named `EWOULDBLOCK`), on a timer that runs every 10 ms while the
 * socket is idle and after 1 ms while datagrams arrive. The timer is not
 * unref'd: like a `node:dgram` socket, a receiver keeps the process alive
 * until {@linkcode DatagramReceiver.close}, since a listener is meant to run
 * until stopped. A failed `recv` other than `EAGAIN` (e.g. `EINTR`) is tried
 * again at the next poll.
 *
 * @param libc the C calls, bound by the runtime
 * @param source the family and the address to bind
 * @param onDatagram called with each datagram's bytes; must not throw
 * @returns the receiver
 * @throws {Error} with the errno name as `code` when `socket()` or `bind()` fails
 */
export function receiveDatagrams(
  libc: ReceivingLibc,
  source: DatagramSource,
  onDatagram: (bytes: Uint8Array) => void,
): DatagramReceiver {
  const fd = openDatagramFd(libc, source.domain, source.where);
  const bound = libc.bind(fd, source.address);
  if (bound < 0) {
    libc.close(fd);
    throw errnoError(-bound, "bind", source.where, libc.platform);
  }
  const flags = platformConstants(libc.platform).msgDontwait;
  const buffer = new Uint8Array(RECEIVE_BUFFER_BYTES);
  let open = true;

  /** Takes what is queued; returns how many datagrams that was. */
  function drain(): number {
    let count = 0;
    while (open && count < MAX_DATAGRAMS_PER_POLL) {
      const size = libc.recv(fd, buffer, flags);
      if (size < 0) break;
      count++;
      onDatagram(buffer.slice(0, size));
    }
    return count;
  }

  function poll(): void {
    const received = drain();
    if (open) timer = setTimeout(poll, received > 0 ? BUSY_POLL_MS : IDLE_POLL_MS);
  }

  let timer = setTimeout(poll, 0);
  return {
    close() {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      libc.close(fd);
    },
  };
}

/**
 * Binds an `AF_UNIX`/`SOCK_DGRAM` socket at `path` (where nothing may be:
 * the caller removes a stale socket file first) and hands each datagram to
 * `onDatagram` (see {@linkcode receiveDatagrams}). `close()` closes the
 * socket and removes its file; it is idempotent.
 *
 * @param libc the C calls, bound by the runtime
 * @param path where to bind
 * @param onDatagram called with each datagram's bytes; must not throw
 * @returns the receiver
 * @throws {Error} with the errno name as `code` when `socket()` or `bind()` fails
 */
export function listenUnixDatagram(
  libc: ReceivingLibc,
  path: string,
  onDatagram: (bytes: Uint8Array) => void,
): DatagramReceiver {
  const address = sockaddrUn(path, libc.platform);
  const file = address.slice(2); // sun_path: the path, NUL-terminated
  const receiver = receiveDatagrams(libc, { domain: AF_UNIX, address, where: `unix://${path}` }, onDatagram);
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      receiver.close();
      libc.unlink(file);
    },
  };
}
