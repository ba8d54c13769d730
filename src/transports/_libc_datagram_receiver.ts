/**
 * Receiving datagrams through the C library, independent of the runtime's
 * foreign function interface and of the address family: a bound socket read
 * without blocking on a short timer. The Unix socket file around it lives in
 * `_libc_unix.ts`; the calls in `_libc_datagram.ts`.
 *
 * @module
 */

import type { Libc } from "./_libc_datagram.ts";
import { errnoError, openDatagramFd, platformConstants } from "./_libc_datagram.ts";

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
  libc: Libc,
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
