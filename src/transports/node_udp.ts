/**
 * UDP through `node:dgram`: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import { isGranted } from "../permissions.ts";
import { resolveHost } from "./resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

/**
 * Opens a connected, unref'd `node:dgram` socket to `host:port`. Connected
 * sends fail fast with ECONNREFUSED instead of queueing in memory, and the
 * `error` listener keeps ICMP errors from crashing the process.
 */
export async function connectNodeUdp(
  target: { host: string; port: number },
  context: TransportContext,
): Promise<Transport> {
  if (!isGranted({ name: "net", host: target.host })) {
    throw new Error(`network access to ${target.host} is not granted: run Deno with --allow-net`);
  }
  const [dgram, { address, family }] = await Promise.all([import("node:dgram"), resolveHost(target.host)]);
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  socket.on("error", (error) => context.onError(error));
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    socket.once("error", failed);
    socket.connect(target.port, address, () => {
      socket.off("error", failed);
      resolve();
    });
  });
  socket.unref();
  let inFlight = 0;
  let drained: (() => void) | undefined;
  return {
    send(datagram) {
      inFlight++;
      return new Promise((resolve, reject) => {
        socket.send(datagram, (error) => {
          if (--inFlight === 0) drained?.();
          if (error) reject(error);
          else resolve();
        });
      });
    },
    async close() {
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
