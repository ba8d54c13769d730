/**
 * The contract between the runtime-free {@linkcode LineWriter} and the small
 * per-runtime adapters that put bytes on a socket.
 *
 * @module
 */

import type { Logger } from "../logger.ts";

/**
 * A datagram socket, already aimed at its destination. It only sends and
 * closes: batching, bounds, retries and error policy live in the LineWriter.
 *
 * @example A transport that keeps datagrams in memory
 * ```ts
 * import type { Transport } from "@spectator/client";
 *
 * const sent: Uint8Array[] = [];
 * const memory: Transport = {
 *   send: (datagram) => void sent.push(datagram),
 *   close: () => Promise.resolve(),
 * };
 * ```
 */
export interface Transport {
  /**
   * Sends one datagram. A transport that returns nothing is done with
   * `datagram` when it returns (the bytes are in the kernel), and the caller
   * fills the same memory again; one that needs the bytes longer (an
   * asynchronous send) returns a promise, and the memory stays untouched
   * until it settles. Failure is reported by throwing, by rejecting the
   * returned promise, or later through {@linkcode TransportContext.onError}.
   */
  send(datagram: Uint8Array): void | Promise<void>;
  /** Releases the socket once sends in progress have completed. */
  close(): Promise<void>;
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
}

/**
 * Opens a transport to `target`; may be asynchronous. Pass one as
 * `Config.transport` to replace the runtime's.
 *
 * @example Count datagrams instead of sending them
 * ```ts
 * import { Config, Registry, type TransportFactory } from "@spectator/client";
 *
 * let datagrams = 0;
 * const transport: TransportFactory = () => ({
 *   send: () => void datagrams++,
 *   close: () => Promise.resolve(),
 * });
 * const registry = new Registry(new Config({ location: "udp", transport }));
 * registry.counter("requests").increment();
 * await registry.close(); // datagrams === 1
 * ```
 */
export type TransportFactory = (
  target: SocketTarget,
  context: TransportContext,
) => Transport | Promise<Transport>;
