/**
 * A UDP listener on loopback for tests: collects datagrams and lets a test
 * wait for a number of them with a bounded timeout. Built on `node:dgram`,
 * which Deno, Bun and Node all provide.
 *
 * @module
 */

import dgram from "node:dgram";
import { type ChildListener, listenInChild } from "./child_listener.ts";
import { DatagramCollector, type ReceivedDatagrams } from "./datagram_collector.ts";

/** Options for {@linkcode listenUdp}. */
export interface ListenUdpOptions {
  /** The address to bind; default `127.0.0.1`. */
  host?: string;
  /**
   * The port to bind; default 0 (an ephemeral port). A given port is bound with address reuse, so that it can be one
   * held by `holdDeadUdpPort()` (which lets only sockets asking for reuse share it).
   */
  port?: number;
}

/** A bound UDP socket that records what it receives; its waits time out after 2000 ms by default. */
export interface UdpListener extends ReceivedDatagrams {
  /** The bound address. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
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
  const socket = dgram.createSocket({
    type: host.includes(":") ? "udp6" : "udp4",
    ipv6Only: host.includes(":"),
    reuseAddr: (options.port ?? 0) !== 0,
  });
  const collector = new DatagramCollector({ where: () => `port ${port}`, timeoutMs: 2000 });
  socket.on("message", (message) => collector.add(message));
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
  return {
    host,
    port,
    ...collector.received,
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}

/**
 * Binds a UDP socket with a large receive buffer in a child process (see
 * `child_listener.ts`), which keeps reading while the test process runs a
 * long synchronous burst; its waits time out after 3000 ms by default.
 *
 * @param options where to bind
 * @returns the listener, already bound
 */
export async function listenUdpInChild(options: ListenUdpOptions = {}): Promise<ChildListener & { host: string }> {
  const host = options.host ?? "127.0.0.1";
  return { ...(await listenInChild({ kind: "udp", host, port: options.port ?? 0 })), host };
}
