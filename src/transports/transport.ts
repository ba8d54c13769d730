/**
 * The contract between the runtime-free {@linkcode LineWriter} and the small
 * per-runtime adapters that put bytes on a socket: open (a
 * {@linkcode TransportFactory}), send one datagram, report a failure with a
 * code, close. Ordering, retries, stall timeouts and draining belong to the
 * writer, once for every runtime.
 *
 * @module
 */

import type { Logger } from "../logger.ts";

/**
 * A datagram socket, already aimed at its destination. It only sends and
 * closes: batching, bounds, ordering, retries, stall timeouts and error
 * policy live in the LineWriter, which never calls `send` again before a
 * promise it returned has settled (except in the process's last moments,
 * when `process.exit()` hands it every datagram that waits), and calls
 * `close` once nothing is in flight.
 *
 * @example A transport that keeps datagrams in memory
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import type { Transport } from "@spectator/client";
 *
 * const sent: Uint8Array[] = [];
 * const memory: Transport = {
 *   send: (datagram) => void sent.push(datagram.slice()), // the caller fills the same memory again
 *   close: () => Promise.resolve(),
 * };
 * memory.send(new TextEncoder().encode("c:requests:1"));
 * strictEqual(sent.length, 1);
 * ```
 */
export interface Transport {
  /**
   * Sends one datagram. A transport that returns nothing is done with
   * `datagram` when it returns (the bytes are in the kernel), and the caller
   * fills the same memory again; one that needs the bytes longer (an
   * asynchronous send) returns a promise, and the memory stays untouched
   * until it settles. Failure is reported by throwing or rejecting with an
   * error whose `code` says what happened (a {@linkcode TransportError}, or
   * any error with a Node-style `code`), or later through
   * {@linkcode TransportContext.onError}.
   */
  send(datagram: Uint8Array): void | Promise<void>;
  /** Releases the socket; the writer calls it once no send is in flight. */
  close(): Promise<void>;
  /**
   * Set when the socket keeps the process alive and the runtime cannot
   * unref it (a native addon's): the writer then closes the transport while
   * nothing waits once nothing else keeps the process alive, and opens a new
   * one for the next datagram.
   */
  readonly keepsProcessAlive?: boolean;
}

/**
 * The failure codes a transport reports, named after the C library's errno
 * values. The writer tells them apart: `EAGAIN`, `EWOULDBLOCK`, `ENOBUFS`
 * and `EINTR` mean "not now", and the same datagram is sent again shortly;
 * `EMSGSIZE` loses that datagram and keeps the socket; any other code loses
 * it and re-creates the socket after the reconnect delay. `EOTHER` stands for
 * a failure without a known code.
 *
 * @example
 * ```ts
 * import type { TransportErrorCode } from "@spectator/client";
 *
 * const full: TransportErrorCode = "EAGAIN";
 * ```
 */
export type TransportErrorCode =
  | "EAGAIN"
  | "EWOULDBLOCK"
  | "ENOBUFS"
  | "EINTR"
  | "EMSGSIZE"
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "ENOENT"
  | "EACCES"
  | "EPERM"
  | "EBADF"
  | "ENOTCONN"
  | "ENOTSOCK"
  | "ENOTDIR"
  | "EPROTOTYPE"
  | "EDESTADDRREQ"
  | "EAFNOSUPPORT"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENETUNREACH"
  | "EHOSTUNREACH"
  | "ENAMETOOLONG"
  | "ELOOP"
  | "EINVAL"
  | "ENOMEM"
  | "EMFILE"
  | "ENFILE"
  | "EPIPE"
  | "EOTHER";

/**
 * A transport failure with its {@linkcode TransportErrorCode}, which decides
 * what the writer does next.
 *
 * @example A transport whose socket buffer is full
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { type Transport, TransportError } from "@spectator/client";
 *
 * const busy: Transport = {
 *   send() {
 *     throw new TransportError("EAGAIN", "the socket's send buffer is full");
 *   },
 *   close: () => Promise.resolve(),
 * };
 * try {
 *   busy.send(new Uint8Array(1));
 * } catch (error) {
 *   strictEqual((error as TransportError).code, "EAGAIN");
 * }
 * ```
 */
export class TransportError extends Error {
  /** What happened. */
  readonly code: TransportErrorCode;

  /**
   * Creates the error.
   *
   * @param code what happened
   * @param message a sentence for the logs, e.g. `Cannot send to udp://127.0.0.1:1234: nothing is listening there (ECONNREFUSED)`
   * @param options the underlying error, if any
   */
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
    this.code = code;
  }
}

/**
 * A destination that needs a socket.
 *
 * @example
 * ```ts
 * import type { SocketTarget } from "@spectator/client";
 *
 * const agent: SocketTarget = { kind: "udp", host: "127.0.0.1", port: 1234 };
 * ```
 */
export type SocketTarget = { kind: "udp"; host: string; port: number } | { kind: "unix"; path: string };

/**
 * What a transport may use besides its target.
 *
 * @example
 * ```ts
 * import type { TransportContext } from "@spectator/client";
 *
 * const context: TransportContext = { onError: (e) => console.error(e), logger: console };
 * ```
 */
export interface TransportContext {
  /**
   * Reports an error that arrives outside `send`, such as an ICMP "port
   * unreachable". When it concerns a datagram whose `send` already returned
   * (Node reports a refused send later, in a callback), pass that datagram:
   * its lines are then counted as dropped instead of sent.
   */
  onError(error: unknown, datagram?: Uint8Array): void;
  /** For one-off notices such as a fallback; send errors go through `onError`. */
  logger: Logger;
  /**
   * Tells the writer that lines go somewhere else than its location names,
   * e.g. `udp://127.0.0.1:1234` for a `unix` location the runtime cannot
   * reach: its messages then name where lines really go.
   */
  redirected?(where: string): void;
}

/**
 * Opens a transport to `target`; may be asynchronous. Pass one as
 * `Config.transport` to replace the runtime's.
 *
 * @example Count datagrams instead of sending them
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, Registry, type TransportFactory } from "@spectator/client";
 *
 * let datagrams = 0;
 * const transport: TransportFactory = () => ({
 *   send: () => void datagrams++,
 *   close: () => Promise.resolve(),
 * });
 * const registry = new Registry(new Config({ location: "udp", transport }));
 * registry.counter("requests").increment();
 * await registry.close();
 * strictEqual(datagrams, 1);
 * ```
 */
export type TransportFactory = (
  target: SocketTarget,
  context: TransportContext,
) => Transport | Promise<Transport>;
