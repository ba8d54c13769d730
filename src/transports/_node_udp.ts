/**
 * UDP through `node:dgram`: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import dgram from "node:dgram";
import { andThen, type MaybePromise } from "../_maybe_async.ts";
import { type UdpEndpoints, udpEndpoints } from "./_resolve_host.ts";
import type { Transport, TransportContext } from "./transport.ts";

/**
 * Opens a connected, unref'd `node:dgram` socket to `host:port`. Connected
 * sends go out at once instead of queueing in memory, and the `error`
 * listener keeps ICMP errors (ECONNREFUSED) from crashing the process. For
 * an IP address the socket binds and connects at once on Node (its address
 * lookups are answered synchronously), so the transport is returned, not
 * promised, and the first update's line can leave in its own turn.
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
export function connectNodeUdp(
  target: { host: string; port: number },
  context: TransportContext,
): MaybePromise<Transport> {
  return andThen(udpEndpoints(target), (endpoints) =>
    andThen(connectedSocket(endpoints), (socket) => {
      socket.on("error", (error) => context.onError(error));
      return nodeTransport(socket, context);
    }));
}

/** A socket bound to `local` and connected to `remote:port`: at once where the runtime allows it. */
function connectedSocket({ family, local, remote, port }: UdpEndpoints): MaybePromise<dgram.Socket> {
  // The addresses are resolved already: a lookup that answers at once lets Node bind and connect in this turn.
  const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", lookup: answerAtOnce(family) });
  // Before binding: Deno's node:dgram ignores unref() on a socket already bound.
  socket.unref();
  let failure: Error | undefined;
  let connected = false;
  const waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const failed = (error: Error) => {
    failure ??= error;
    socket.close();
    for (const waiter of waiters) waiter.reject(error);
  };
  socket.once("error", failed);
  // An explicit bind: an implicit one takes the wildcard address, which
  // Deno may not permit (and then throws outside any handler).
  socket.bind(0, local, () => {
    // With a callback, Node hands a failed connect (EACCES, ENETUNREACH) to it rather than emit "error"
    // (its types leave the argument out).
    const onConnect = (error?: Error) => {
      if (error) return failed(error);
      connected = true;
      for (const waiter of waiters) waiter.resolve();
    };
    socket.connect(port, remote, onConnect as () => void);
  });
  if (failure !== undefined) throw failure;
  const ready = () => {
    socket.off("error", failed);
    return socket;
  };
  if (connected || isConnected(socket)) return ready();
  return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject })).then(ready);
}

/** The address lookup of a socket whose addresses are literals already: it answers synchronously. */
function answerAtOnce(family: 4 | 6) {
  return (address: string, options: unknown, callback?: (error: null, address: string, family: number) => void) => {
    const answer = typeof options === "function" ? options : callback!;
    answer(null, address, family);
  };
}

function isConnected(socket: dgram.Socket): boolean {
  try {
    socket.remoteAddress();
    return true;
  } catch {
    return false;
  }
}

function nodeTransport(socket: dgram.Socket, context: TransportContext): Transport {
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
