/**
 * A UDP listener on loopback for tests: collects datagrams and lets a test
 * wait for a number of them with a bounded timeout. Built on `node:dgram`,
 * which Deno, Bun and Node all provide.
 *
 * @module
 */

import dgram from "node:dgram";

/** Options for {@linkcode listenUdp}. */
export interface ListenUdpOptions {
  /** The address to bind; default `127.0.0.1`. */
  host?: string;
  /** The port to bind; default 0 (an ephemeral port). */
  port?: number;
}

/** A bound UDP socket that records what it receives. */
export interface UdpListener {
  /** The bound address. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** Every datagram received so far, decoded as UTF-8, in arrival order. */
  readonly datagrams: string[];
  /** The size in bytes of each datagram in {@linkcode datagrams}. */
  readonly sizes: number[];
  /** Every line received so far: the datagrams split on `\n`. */
  lines(): string[];
  /** Resolves with the datagrams once at least `count` arrived; rejects after `timeoutMs` (default 2000). */
  waitForDatagrams(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves with the lines once at least `count` arrived; rejects after `timeoutMs` (default 2000). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

/**
 * Binds a UDP socket (IPv6 when `host` contains `:`) and records datagrams.
 *
 * @param options where to bind
 * @returns the listener, already bound
 */
export async function listenUdp(options: ListenUdpOptions = {}): Promise<UdpListener> {
  const host = options.host ?? "127.0.0.1";
  const socket = dgram.createSocket({ type: host.includes(":") ? "udp6" : "udp4", ipv6Only: host.includes(":") });
  const datagrams: string[] = [];
  const sizes: number[] = [];
  const decoder = new TextDecoder();
  let changed: (() => void) | undefined;
  socket.on("message", (message) => {
    datagrams.push(decoder.decode(message));
    sizes.push(message.length);
    changed?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  try {
    // Room for bursts: the default (about 160 small datagrams) overflows when
    // the sender runs in the same process and the listener cannot read yet.
    // Deno's node:dgram reports the new size but keeps the default.
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // Not supported here; the kernel default applies.
  }
  const port = socket.address().port;
  let closed: Promise<void> | undefined;
  const lines = () => datagrams.flatMap((datagram) => datagram.split("\n"));

  function waitUntil<T>(done: () => T | undefined, what: () => string, timeoutMs: number): Promise<T> {
    const ready = done();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        changed = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()} on port ${port}`));
      }, timeoutMs);
      changed = () => {
        const result = done();
        if (result === undefined) return;
        changed = undefined;
        clearTimeout(timer);
        resolve(result);
      };
    });
  }

  return {
    host,
    port,
    datagrams,
    sizes,
    lines,
    waitForDatagrams(count, timeoutMs = 2000) {
      return waitUntil(
        () => (datagrams.length >= count ? datagrams : undefined),
        () => `${count} datagrams (got ${datagrams.length})`,
        timeoutMs,
      );
    },
    waitForLines(count, timeoutMs = 2000) {
      return waitUntil(
        () => {
          const all = lines();
          return all.length >= count ? all : undefined;
        },
        () => `${count} lines (got ${lines().length})`,
        timeoutMs,
      );
    },
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
