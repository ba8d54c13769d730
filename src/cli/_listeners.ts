/**
 * The sockets of the local agent stand-in: UDP through `node:dgram` (Deno,
 * Bun and Node), and a Unix datagram socket through `Deno.listenDatagram`
 * (Deno with `--unstable-net`) or the C library (Bun, and Deno with
 * `--allow-ffi`).
 *
 * @module
 */

import { createSocket } from "node:dgram";
import { lstatSync, unlinkSync } from "node:fs";
import { platform } from "../_platform.ts";
import { listenUnixDatagram, loadReceivingLibc } from "./_libc_receiver.ts";

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
 * import { match } from "node:assert/strict";
 * import { listenUdp } from "./_listeners.ts";
 *
 * const listener = await listenUdp("127.0.0.1", 0, (bytes) => console.log(bytes.length));
 * match(listener.location, /^udp:\/\/127\.0\.0\.1:\d+$/);
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

interface DenoUnixApi {
  listenDatagram: ListenDatagram;
  remove(path: string): Promise<void>;
}

/**
 * Binds a Unix datagram socket at `path` and calls `onDatagram` for every
 * datagram. Deno run with `--unstable-net` binds it with
 * `Deno.listenDatagram`; Bun, and Deno run with `--allow-ffi` (without
 * `--unstable-net`), through the C library (`socket`, `bind`, and a
 * non-blocking `recv` every few milliseconds). Node cannot bind one without a
 * native addon. Either way the listener keeps the process alive until
 * closed, like the UDP one, and `close()` removes the socket file.
 *
 * @param path the socket's path; a socket file there is replaced, anything else is left alone (and it rejects)
 * @param onDatagram called with each datagram's bytes; must not throw
 * @returns the bound listener
 * @throws {Error} on Node, and on Deno without `--unstable-net` or
 * `--allow-ffi`, with a message naming what is needed
 *
 * @example Listen on a Unix datagram socket (Deno `--unstable-net` or `--allow-ffi`, or Bun)
 * ```ts ignore
 * import { listenUnix } from "./_listeners.ts";
 *
 * const listener = await listenUnix("/tmp/spectatord.unix", (bytes) => console.log(bytes.length));
 * await listener.close();
 * ```
 */
export function listenUnix(path: string, onDatagram: (bytes: Uint8Array) => void): Promise<DatagramListener> {
  const deno = (globalThis as { Deno?: Partial<DenoUnixApi> }).Deno;
  const denoNative = typeof deno?.listenDatagram === "function";
  const { openLibrary, isGranted } = platform();
  if (denoNative || (openLibrary !== undefined && isGranted({ name: "ffi" }))) {
    try {
      removeStaleSocket(path);
      if (denoNative) return Promise.resolve(listenDenoUnix(deno as DenoUnixApi, path, onDatagram));
      const receiver = listenUnixDatagram(loadReceivingLibc(), path, onDatagram);
      return Promise.resolve({ location: `unix://${path}`, close: () => Promise.resolve(receiver.close()) });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return Promise.reject(
    new Error(
      `Cannot listen on unix://${path}: run with Deno --unstable-net or --allow-ffi, or Bun; ` +
        "Node cannot bind Unix datagram sockets without native addons (use --port for UDP)",
    ),
  );
}

/**
 * Removes the socket file a crashed agent left at `path`, as SpectatorD does
 * before binding; refuses to remove anything else there.
 *
 * @throws {Error} when `path` is a file that is not a socket, or cannot be removed
 */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // Nothing there, or nothing this process may see: bind() tells.
  }
  if (!isSocket) {
    throw new Error(
      `Cannot listen on unix://${path}: something that is not a socket is there; remove it or pick another path`,
    );
  }
  unlinkSync(path);
}

/** Binds with `Deno.listenDatagram` (`--unstable-net`). */
function listenDenoUnix(
  deno: DenoUnixApi,
  path: string,
  onDatagram: (bytes: Uint8Array) => void,
): DatagramListener {
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
