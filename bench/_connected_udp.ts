/**
 * The fastest synchronous send each runtime has on a connected UDP socket:
 * `Bun.udpSocket` on Bun, `node:dgram` elsewhere. The floor measurements
 * (bench/floor_bench.ts, bench/_client_floor.ts) send through it.
 *
 * @module
 */

import dgram from "node:dgram";

/** A connected UDP socket's send and close. */
export interface ConnectedUdp {
  send: (bytes: Uint8Array) => void;
  close: () => void;
}

interface BunSocket {
  send(bytes: Uint8Array): boolean;
  close(): void;
}

/** A UDP socket connected to `host:port`, sending with the runtime's fastest synchronous send. */
export async function connectedUdp(host: string, port: number): Promise<ConnectedUdp> {
  const bun = (globalThis as { Bun?: { udpSocket(options: unknown): Promise<BunSocket> } }).Bun;
  if (bun !== undefined) {
    const socket = await bun.udpSocket({ hostname: host, connect: { hostname: host, port } });
    return { send: (bytes) => void socket.send(bytes), close: () => socket.close() };
  }
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve) => socket.bind(0, host, () => socket.connect(port, host, resolve)));
  return { send: (bytes) => socket.send(bytes), close: () => socket.close() };
}
