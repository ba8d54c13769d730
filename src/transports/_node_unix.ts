/**
 * Unix datagram sockets on Node through the optional native package
 * `node-unix-socket` (Node's own `dgram` has none), when the application
 * installed it. The library does not depend on it: it is imported by a name
 * no bundler or type checker resolves, only for `unix` locations on Node.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { lazyModule, type MaybePromise } from "../_maybe_async.ts";
import { type Transport, type TransportContext, TransportError, type TransportErrorCode } from "./transport.ts";

/** The package, as the install line names it. */
export const UNIX_SOCKET_PACKAGE = "node-unix-socket";

/** The part of the package's `DgramSocket` this adapter uses. */
export interface DgramSocketLike {
  /** Sends `length` bytes of `buffer` from `offset` to the socket at `path`; `done` is called once sent or failed. */
  sendTo(buffer: Buffer, offset: number, length: number, path: string, done?: (error?: Error) => void): void;
  /** Closes the socket; later sends throw. */
  close(): void;
  /** Receives errors of the socket's own polling. */
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** The package's socket class. */
export type DgramSocketClass = new () => DgramSocketLike;

/** What loading the package gave: its socket class, or why it cannot be used. */
export type UnixSocketPackage = { DgramSocket: DgramSocketClass } | { unavailable: string };

/** The longest path `sockaddr_un` holds on Linux, the terminating NUL excluded. */
const MAX_PATH_BYTES = 107;

/**
 * The package reports a failed send by `strerror` text alone; the writer
 * decides by the code.
 */
const CODES: Readonly<Record<string, TransportErrorCode>> = {
  "Connection refused": "ECONNREFUSED",
  "No such file or directory": "ENOENT",
  "Permission denied": "EACCES",
  "Operation not permitted": "EPERM",
  "Message too long": "EMSGSIZE",
  "Not a directory": "ENOTDIR",
  "Socket operation on non-socket": "ENOTSOCK",
  "Protocol wrong type for socket": "EPROTOTYPE",
  "Too many symbolic links encountered": "ELOOP",
  "File name too long": "ENAMETOOLONG",
  "No buffer space available": "ENOBUFS",
  "Try again": "EAGAIN",
  "Resource temporarily unavailable": "EAGAIN",
  "Invalid argument": "EINVAL",
  "Connection reset by peer": "ECONNRESET",
  "Out of memory": "ENOMEM",
};

/**
 * Loads `node-unix-socket` once: from where the library is installed, else
 * from the application's directory (a strict layout, such as pnpm's, hides
 * the application's packages from the library's). Resolves to its socket
 * class, or to why it cannot be used.
 *
 * @example
 * ```ts ignore
 * const loaded = await loadUnixSocketPackage();
 * if ("unavailable" in loaded) console.warn(loaded.unavailable);
 * ```
 */
export const loadUnixSocketPackage: () => MaybePromise<UnixSocketPackage> = lazyModule(importPackage);

async function importPackage(): Promise<UnixSocketPackage> {
  // A name in a variable: static analysis leaves the optional package alone.
  const name = UNIX_SOCKET_PACKAGE;
  let module: { DgramSocket?: unknown; default?: { DgramSocket?: unknown } };
  try {
    module = await import(name);
  } catch (error) {
    try {
      module = createRequire(join(process.cwd(), "package.json"))(name);
    } catch {
      return { unavailable: whyUnavailable(error) };
    }
  }
  const DgramSocket = module.DgramSocket ?? module.default?.DgramSocket;
  if (typeof DgramSocket !== "function") return { unavailable: `${name} has no DgramSocket class` };
  return { DgramSocket: DgramSocket as DgramSocketClass };
}

function whyUnavailable(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return `Node reaches Unix datagram sockets only through the optional package ${UNIX_SOCKET_PACKAGE}, ` +
      `which is not installed (npm install ${UNIX_SOCKET_PACKAGE})`;
  }
  return `the optional package ${UNIX_SOCKET_PACKAGE} did not load: ${error instanceof Error ? error.message : error}`;
}

/**
 * Opens an unbound, unconnected Unix datagram socket of `node-unix-socket`
 * that sends each datagram to `path`, so an agent that re-creates its socket
 * file is found again by the next send. The package copies a datagram before
 * it sends, so the writer may fill the same memory again at once. A send
 * the socket takes at once returns nothing; one that finds the receiver's
 * queue full stays with the package, which sends it once the socket is
 * writable, and `send` returns a promise settled then. Errors throw (or
 * reject with) a `TransportError` whose code is read from the package's
 * message (`ENOENT`, `ECONNREFUSED`, `EMSGSIZE`, ...). The package's socket
 * keeps the process alive and cannot be unref'd: the transport says so
 * (`keepsProcessAlive`), and the writer closes it once nothing else keeps
 * the process alive.
 *
 * @param path the receiver's socket path, at most 107 bytes
 * @param context receives errors of the socket's own polling
 * @param DgramSocket the package's socket class
 * @returns the transport
 * @throws {RangeError} for a path too long
 */
export function connectNodeUnix(path: string, context: TransportContext, DgramSocket: DgramSocketClass): Transport {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_PATH_BYTES) {
    throw new RangeError(
      `Cannot open unix://${path}: a Unix socket path holds at most ${MAX_PATH_BYTES} bytes: received ${bytes}`,
    );
  }
  const socket = new DgramSocket();
  socket.on("error", (error) => context.onError(unixError(error, path)));
  let closed = false;
  return {
    keepsProcessAlive: true,
    send(datagram) {
      let result: { error: Error | undefined } | undefined;
      let settle: ((error: Error | undefined) => void) | undefined;
      try {
        const view = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
        socket.sendTo(view, 0, view.length, path, (error) => {
          if (settle !== undefined) settle(error);
          else result = { error };
        });
      } catch (error) {
        throw unixError(error, path);
      }
      if (result !== undefined) {
        if (result.error !== undefined) throw unixError(result.error, path);
        return;
      }
      // The receiver's queue is full: the package sends the datagram once the socket is writable.
      return new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(unixError(error, path)));
      });
    },
    close() {
      if (!closed) {
        closed = true;
        socket.close();
      }
      return Promise.resolve();
    },
  };
}

/** A `TransportError` for what the package reported, with the code its message names (`EOTHER` when none). */
function unixError(error: unknown, path: string): TransportError {
  const message = error instanceof Error ? error.message : String(error);
  const code = CODES[message] ?? "EOTHER";
  return new TransportError(code, `Cannot send to unix://${path}: ${message} (${code})`, { cause: error });
}
