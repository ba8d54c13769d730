/**
 * The sockets of the local agent stand-in: UDP through `node:dgram` (Deno,
 * Bun and Node), and a Unix datagram socket through `Deno.listenDatagram`
 * (Deno with `--unstable-net` only).
 *
 * @module
 */

import { createSocket } from "node:dgram";

/** A bound socket that hands each datagram to a callback. */
export interface DatagramListener {
  /** Where it listens: `udp://127.0.0.1:1234` or `unix:///path`. */
  readonly location: string;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

/**
 * Binds a UDP socket and calls `onDatagram` for every datagram.
 *
 * @param host the address to bind, e.g. `127.0.0.1` (IPv6 when it contains `:`)
 * @param port the port; 0 picks a free one
 * @param onDatagram called with each datagram's bytes; must not throw
 * @returns the bound listener
 *
 * @example
 * ```ts
 * import { listenUdp } from "./listeners.ts";
 *
 * const listener = await listenUdp("127.0.0.1", 0, (bytes) => console.log(bytes.length));
 * await listener.close();
 * ```
 */
export async function listenUdp(
  host: string,
  port: number,
  onDatagram: (bytes: Uint8Array) => void,
): Promise<DatagramListener> {
  const v6 = host.includes(":");
  const socket = createSocket({ type: v6 ? "udp6" : "udp4" });
  socket.on("message", (message: Uint8Array) => onDatagram(message));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => {/* a receive error must not end the agent */});
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // The kernel default applies.
  }
  const bound = socket.address().port;
  let closed: Promise<void> | undefined;
  return {
    location: `udp://${v6 ? `[${host}]` : host}:${bound}`,
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}

interface DenoDatagramConn {
  receive(): Promise<[Uint8Array, unknown]>;
  close(): void;
}

type ListenDatagram = (options: { transport: "unixpacket"; path: string }) => DenoDatagramConn;

/**
 * Binds a Unix datagram socket at `path` and calls `onDatagram` for every
 * datagram. Only Deno run with `--unstable-net` can do that.
 *
 * @param path the socket's path; an existing socket file there is replaced
 * @param onDatagram called with each datagram's bytes; must not throw
 * @returns the bound listener
 * @throws {Error} when the runtime cannot bind a Unix datagram socket
 *
 * @example
 * ```ts ignore
 * const listener = await listenUnix("/tmp/spectatord.unix", (bytes) => console.log(bytes.length));
 * await listener.close();
 * ```
 */
export async function listenUnix(path: string, onDatagram: (bytes: Uint8Array) => void): Promise<DatagramListener> {
  const deno = (globalThis as { Deno?: { listenDatagram?: ListenDatagram; remove(path: string): Promise<void> } })
    .Deno;
  if ("Bun" in globalThis || deno?.listenDatagram === undefined) {
    throw new Error(
      `Cannot listen on unix://${path}: Unix datagram sockets need Deno run with --unstable-net; ` +
        "this runtime cannot bind one (use --port for UDP)",
    );
  }
  await deno.remove(path).catch(() => {});
  const conn = deno.listenDatagram({ transport: "unixpacket", path });
  let open = true;
  (async () => {
    while (open) {
      try {
        const [bytes] = await conn.receive();
        onDatagram(bytes);
      } catch {
        if (!open) break;
      }
    }
  })();
  let closed: Promise<void> | undefined;
  return {
    location: `unix://${path}`,
    close() {
      closed ??= (async () => {
        open = false;
        try {
          conn.close();
        } catch {
          // Already closed.
        }
        await deno.remove(path).catch(() => {});
      })();
      return closed;
    },
  };
}
