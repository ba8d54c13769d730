/**
 * UDP through Deno's `Deno.listenDatagram`, available with `--unstable-net`.
 *
 * @module
 */

import { udpEndpoints } from "./_resolve_host.ts";
import type { Transport } from "./transport.ts";

/** The part of Deno's unstable `DatagramConn` this adapter uses. */
export interface DenoDatagramConn {
  send(
    data: Uint8Array,
    address: { transport: string; hostname?: string; port?: number; path?: string },
  ): Promise<number>;
  close(): void;
}

/** Deno's unstable datagram API, present only with `--unstable-net`. */
export interface DenoDatagramApi {
  listenDatagram(options: { transport: string; hostname?: string; port?: number; path?: string }): DenoDatagramConn;
}

/** Returns Deno's datagram API when the program runs with `--unstable-net`. */
export function denoDatagramApi(): DenoDatagramApi | undefined {
  const deno = (globalThis as { Deno?: Partial<DenoDatagramApi> }).Deno;
  return typeof deno?.listenDatagram === "function" ? (deno as DenoDatagramApi) : undefined;
}

/**
 * A transport over `conn` that sends every datagram to `address`. Deno's
 * sends are asynchronous: each returns a promise, and the writer waits for
 * it before the next, which keeps them in order.
 *
 * @param conn the socket
 * @param address where every datagram goes
 * @returns the transport
 */
export function datagramTransport(
  conn: DenoDatagramConn,
  address: { transport: string; hostname?: string; port?: number; path?: string },
): Transport {
  let closed = false;
  return {
    send: (datagram) => conn.send(datagram, address).then(() => {}),
    close() {
      closed ||= (conn.close(), true);
      return Promise.resolve();
    },
  };
}

/**
 * Opens a Deno datagram socket for `host:port` on an ephemeral local port.
 * The socket is not connected, so the kernel reports no ECONNREFUSED: while
 * nothing listens, datagrams vanish without an error.
 *
 * @param target where datagrams go; a hostname is resolved once, here
 * @returns the transport
 * @throws {Error} without `--unstable-net`, or without network permission for either end
 */
export async function connectDenoUdp(target: { host: string; port: number }): Promise<Transport> {
  const api = denoDatagramApi();
  if (api === undefined) throw new Error("Deno.listenDatagram needs --unstable-net");
  const { local, remote, port } = await udpEndpoints(target);
  const conn = api.listenDatagram({ transport: "udp", hostname: local, port: 0 });
  return datagramTransport(conn, { transport: "udp", hostname: remote, port });
}
