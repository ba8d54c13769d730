/**
 * UDP through Bun's native `Bun.udpSocket`.
 *
 * @module
 */

import { resolveHost } from "./resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

/** The part of Bun's connected UDP socket this adapter uses. */
interface BunConnectedSocket {
  send(data: Uint8Array): boolean;
  close(): void;
  unref(): void;
}

interface BunGlobal {
  udpSocket(options: {
    connect: { hostname: string; port: number };
    socket: { error(error: Error): void };
  }): Promise<BunConnectedSocket>;
}

/**
 * Opens a connected, unref'd `Bun.udpSocket`. Its `send` is synchronous; an
 * `error` handler is always installed, since without one an ICMP "port
 * unreachable" ends the process.
 */
export async function connectBunUdp(
  target: { host: string; port: number },
  context: TransportContext,
): Promise<Transport> {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const { address } = await resolveHost(target.host);
  const socket = await bun.udpSocket({
    connect: { hostname: address, port: target.port },
    socket: { error: (error) => context.onError(error) },
  });
  socket.unref();
  return {
    send(datagram) {
      if (!socket.send(datagram)) {
        throw Object.assign(new Error("the socket's send buffer is full"), { code: "EAGAIN" });
      }
    },
    close() {
      socket.close();
      return Promise.resolve();
    },
  };
}
