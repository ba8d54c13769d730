/**
 * UDP through `node:dgram`: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import { udpEndpoints } from "./resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

/**
 * Opens a connected, unref'd `node:dgram` socket to `host:port`. Connected
 * sends go out at once instead of queueing in memory, and the `error`
 * listener keeps ICMP errors (ECONNREFUSED) from crashing the process.
 * `close()` waits for sends still in progress, which Deno's `node:dgram`
 * would otherwise drop; where the socket cannot report queued sends (Deno),
 * sends are also serialized to keep their order. On Node, a send that leaves at once returns nothing: the writer
 * holds only sends the kernel could not take yet.
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

  let pending = 0;
  let wakeIdle: (() => void) | undefined;
  let closed: Promise<void> | undefined;
  /** Counts `sent` until it settles, so close() can wait for it. */
  const track = (sent: Promise<void>) => {
    pending++;
    return sent.finally(() => {
      if (--pending === 0) wakeIdle?.();
    });
  };
  /** Sends now; a throw (e.g. after close) rejects. */
  const sendWithCallback = (datagram: Uint8Array) =>
    new Promise<void>((resolve, reject) => socket.send(datagram, (error) => (error ? reject(error) : resolve())));

  // Node: libuv tries a connected send synchronously and only queues it when
  // the kernel buffer is full. Only a queued send returns a promise, so a
  // synchronous burst is not held "in flight" until the next tick (which
  // would fill the writer's pending bound and drop lines). The callback of a
  // send that left at once only reports errors.
  const sendDirect = (datagram: Uint8Array): void | Promise<void> => {
    let settle: ((error: Error | null) => void) | undefined;
    socket.send(datagram, (error) => {
      if (settle !== undefined) settle(error);
      else if (error) context.onError(error, datagram);
    });
    if (socket.getSendQueueCount() === 0) return;
    return track(new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve()))));
  };

  // A socket that cannot tell whether a send is queued (Deno's node:dgram has
  // no getSendQueueCount) sends asynchronously, and concurrent sends may
  // complete out of order, which could let an old gauge value overwrite a
  // newer one: each send waits for the previous one.
  let tail: Promise<unknown> = Promise.resolve();
  const sendInOrder = (datagram: Uint8Array): Promise<void> => {
    const sent = track(tail.then(() => sendWithCallback(datagram)));
    tail = sent.catch(() => {});
    return sent;
  };

  return {
    send: typeof socket.getSendQueueCount === "function" ? sendDirect : sendInOrder,
    close() {
      closed ??= (async () => {
        if (pending > 0) await new Promise<void>((resolve) => (wakeIdle = resolve));
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      })();
      return closed;
    },
  };
}
