/**
 * Unix datagram sockets through the C library's `socket`/`sendto`, called
 * with `bun:ffi` under Bun and `Deno.dlopen` under Deno (`--allow-ffi`).
 * This file only binds the C calls for each runtime; the socket logic lives
 * in `_libc_unix.ts`.
 *
 * @module
 */

import { isGranted, permissionFlag } from "../permissions.ts";
import { detectRuntime } from "../runtime.ts";
import { type LibcPlatform, type LibcUnix, openUnixDatagram, type UnixDatagramOptions } from "./_libc_unix.ts";
import type { Transport, TransportContext } from "./transport.ts";

export type { UnixDatagramOptions } from "./_libc_unix.ts";

/** The C library to load, and the function that returns `&errno` on this thread. */
const LIBRARIES: Record<LibcPlatform, { path: string; errnoLocation: string }> = {
  // glibc; musl's loader maps every `libc.so.*` name to itself.
  linux: { path: "libc.so.6", errnoLocation: "__errno_location" },
  darwin: { path: "/usr/lib/libSystem.B.dylib", errnoLocation: "__error" },
};

/** The part of `bun:ffi` this module uses. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  read: { i32(pointer: number, offset: number): number };
}

let loaded: LibcUnix | undefined;

/** Loads the C library once per thread (module instance) and binds the calls. */
function loadLibc(): LibcUnix {
  loaded ??= detectRuntime() === "bun" ? bindBun() : bindDeno();
  return loaded;
}

function platformOf(os: string): LibcPlatform {
  if (os === "linux" || os === "darwin") return os;
  throw new Error(
    `Cannot open a Unix datagram socket through the C library on ${os}: only Linux and macOS are supported`,
  );
}

// `sendto` returns `ssize_t`; its low 32 bits (`i32`) hold every result it can
// give here (a datagram is at most 64 KiB, or -1), and a 32-bit result avoids
// a BigInt allocation between the call and the read of errno.

function bindBun(): LibcUnix {
  const process = (globalThis as unknown as {
    process: { platform: string; getBuiltinModule?(name: string): unknown };
  }).process;
  const platform = platformOf(process.platform);
  const { path, errnoLocation } = LIBRARIES[platform];
  // getBuiltinModule rather than import(): no dynamic import for JSR to analyze, and no await.
  const ffi = process.getBuiltinModule?.("bun:ffi") as BunFfi | undefined;
  if (ffi === undefined) throw new Error("Cannot load bun:ffi: this Bun has no process.getBuiltinModule");
  const lib = ffi.dlopen(path, {
    socket: { args: ["i32", "i32", "i32"], returns: "i32" },
    sendto: { args: ["i32", "ptr", "usize", "i32", "ptr", "u32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    [errnoLocation]: { args: [], returns: "ptr" },
  }).symbols as {
    socket(domain: number, type: number, protocol: number): number;
    sendto(fd: number, data: Uint8Array, length: number, flags: number, address: Uint8Array, size: number): number;
    close(fd: number): number;
  } & Record<string, () => number>;
  const errno = lib[errnoLocation]();
  const read = ffi.read.i32;
  return {
    platform,
    socket: (domain, type, protocol) => {
      const fd = lib.socket(domain, type, protocol);
      return fd < 0 ? -read(errno, 0) : fd;
    },
    sendto: (fd, data, flags, address) => {
      const sent = lib.sendto(fd, data, data.length, flags, address, address.length);
      return sent < 0 ? -read(errno, 0) : sent;
    },
    close: (fd) => (lib.close(fd) < 0 ? -read(errno, 0) : 0),
  };
}

function bindDeno(): LibcUnix {
  if (!isGranted({ name: "ffi" })) {
    throw new Error(`Cannot load the C library for Unix sockets: run Deno with ${permissionFlag({ name: "ffi" })}`);
  }
  const platform = platformOf(Deno.build.os);
  const { path, errnoLocation } = LIBRARIES[platform];
  const lib = Deno.dlopen(path, {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    errnoLocation: { name: errnoLocation, parameters: [], result: "pointer" },
  }).symbols;
  const location = lib.errnoLocation();
  if (location === null) {
    throw new Error(`Cannot load the C library for Unix sockets: ${errnoLocation}() returned NULL`);
  }
  // Made once: creating a view allocates, which could run code that overwrites errno.
  const errno = new Deno.UnsafePointerView(location);
  return {
    platform,
    socket: (domain, type, protocol) => {
      const fd = lib.socket(domain, type, protocol);
      return fd < 0 ? -errno.getInt32(0) : fd;
    },
    sendto: (fd, data, flags, address) => {
      // Deno types a usize parameter as bigint but takes any safe-integer number.
      const sent = lib.sendto(fd, data, data.length as unknown as bigint, flags, address, address.length);
      return sent < 0 ? -errno.getInt32(0) : sent;
    },
    close: (fd) => (lib.close(fd) < 0 ? -errno.getInt32(0) : 0),
  };
}

/**
 * Opens a Unix datagram socket to `path` through the C library: `bun:ffi`
 * under Bun, `Deno.dlopen` under Deno (needs `--allow-ffi`, not
 * `--unstable-net`). The socket is not connected, so each send finds the
 * socket file at `path` anew and an agent that restarted is reached again.
 * Sends are synchronous and never block: a full receive queue makes later
 * datagrams wait on a short timer (see {@linkcode openUnixDatagram}), and
 * errors throw an `Error` whose `code` is the errno name (`ENOENT`,
 * `ECONNREFUSED`, `EAGAIN`, `EMSGSIZE`, ...). A file descriptor from the C
 * library never keeps the process alive.
 *
 * @param path the receiver's socket path, at most 107 bytes (103 on macOS)
 * @param _context unused: every error is reported by `send`
 * @param options how long a full receive queue may stall
 * @returns the transport; rejects with a `RangeError` for a path too long
 */
export function connectUnixFfi(
  path: string,
  _context: TransportContext,
  options: UnixDatagramOptions = {},
): Promise<Transport> {
  try {
    return Promise.resolve(openUnixDatagram(loadLibc(), path, options));
  } catch (error) {
    return Promise.reject(error);
  }
}
