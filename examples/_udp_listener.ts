/**
 * A tiny UDP listener that stands in for SpectatorD in the demo and in the
 * examples' tests: it keeps every datagram it receives, as text. It uses
 * `node:dgram`, which Deno (without `--unstable-net`), Bun and Node all have.
 *
 * @module
 */

import { createSocket } from "node:dgram";

/** A running listener; see {@linkcode startUdpListener}. */
export interface UdpListener {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Its address as a spectator location: `udp://127.0.0.1:<port>`. */
  readonly location: string;
  /** The datagrams received so far, oldest first; each holds one or more lines joined by `\n`. */
  readonly datagrams: readonly string[];
  /** Returns every protocol line received so far, in order. */
  lines(): string[];
  /** Resolves once at least `count` lines have arrived, or after `timeoutMs` with what did arrive. */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Starts listening on an ephemeral UDP port of 127.0.0.1.
 *
 * @returns the running listener
 */
export async function startUdpListener(): Promise<UdpListener> {
  const socket = createSocket("udp4");
  const datagrams: string[] = [];
  const waiters = new Set<() => void>();
  const lines = () => datagrams.flatMap((datagram) => datagram.split("\n"));

  socket.on("message", (message) => {
    datagrams.push(new TextDecoder().decode(message));
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const port = socket.address().port;

  return {
    port,
    location: `udp://127.0.0.1:${port}`,
    datagrams,
    lines,
    waitForLines(count, timeoutMs = 2000) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(lines());
        };
        const check = () => {
          if (lines().length >= count) done();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
