/**
 * UDP through Bun's native `Bun.udpSocket`.
 *
 * @module
 */

import { udpEndpoints } from "./_resolve_host.ts";
import { type Transport, type TransportContext, TransportError } from "./transport.ts";

/** The part of Bun's connected UDP socket this adapter uses. */
interface BunConnectedSocket {
  send(data: Uint8Array): boolean;
  close(): void;
  unref(): void;
}

interface BunGlobal {
  udpSocket(options: {
    hostname: string;
    connect: { hostname: string; port: number };
    socket: { error(error: Error): void };
  }): Promise<BunConnectedSocket>;
}

/**
 * Opens a connected, unref'd `Bun.udpSocket`. Its `send` is synchronous; one
 * the kernel cannot take yet throws `EAGAIN`. An `error` handler is always
 * installed, since without one an ICMP "port unreachable" ends the process.
 * ECONNREFUSED arrives through that handler.
 *
 * @param target where datagrams go; a hostname is resolved once, here
 * @param context receives errors that arrive outside `send`
 * @returns the transport, once the socket is connected
 */
export async function connectBunUdp(
  target: { host: string; port: number },
  context: TransportContext,
): Promise<Transport> {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const { local, remote, port } = await udpEndpoints(target);
  const socket = await bun.udpSocket({
    hostname: local,
    connect: { hostname: remote, port },
    socket: { error: (error) => context.onError(error) },
  });
  socket.unref();
  let closed = false;
  return {
    send(datagram) {
      if (!socket.send(datagram)) {
        throw new TransportError("EAGAIN", "the socket's send buffer is full");
      }
    },
    close() {
      closed ||= (socket.close(), true);
      return Promise.resolve();
    },
  };
}
