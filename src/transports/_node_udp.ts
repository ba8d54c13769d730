/**
 * UDP through `node:dgram`: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import { udpEndpoints } from "./_resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

/**
 * Opens a connected, unref'd `node:dgram` socket to `host:port`. Connected
 * sends go out at once instead of queueing in memory, and the `error`
 * listener keeps ICMP errors (ECONNREFUSED) from crashing the process.
 *
 * A send that leaves at once returns nothing: on Node, libuv tries a
 * connected send synchronously and queues it only when the kernel buffer is
 * full, and only then does `send` return a promise, settled by the send's
 * callback (so a synchronous burst is never held "in flight"). The callback
 * of a send that left at once only reports errors, through `context`. A
 * socket that cannot tell whether a send is queued (Deno's `node:dgram` has
 * no `getSendQueueCount`) returns the callback's promise for every send.
 *
 * @param target where datagrams go; a hostname is resolved once, here
 * @param context receives errors that arrive outside `send`
 * @returns the transport, once the socket is connected
 * @throws {Error} when Deno lacks `--allow-net` for either end, or resolving, binding or connecting fails
 */
export async function connectNodeUdp(
  target: { host: string; port: number },
  context: TransportContext,
): Promise<Transport> {
  const [dgram, { family, local, remote, port }] = await Promise.all([import("node:dgram"), udpEndpoints(target)]);
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  // Before binding: Deno's node:dgram ignores unref() on a socket already bound.
  socket.unref();
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once("error", failed);
    // An explicit bind: an implicit one takes the wildcard address, which
    // Deno may not permit (and then throws outside any handler).
    socket.bind(0, local, () => {
      socket.connect(port, remote, () => {
        socket.off("error", failed);
        resolve();
      });
    });
  });
  socket.on("error", (error) => context.onError(error));
  const reportsQueue = typeof socket.getSendQueueCount === "function";
  let closed: Promise<void> | undefined;
  return {
    send(datagram) {
      if (!reportsQueue) {
        return new Promise<void>((resolve, reject) =>
          socket.send(datagram, (error) => (error ? reject(error) : resolve()))
        );
      }
      let settle: ((error: Error | null) => void) | undefined;
      socket.send(datagram, (error) => {
        if (settle !== undefined) settle(error);
        else if (error) context.onError(error, datagram);
      });
      if (socket.getSendQueueCount() === 0) return;
      return new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    },
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
