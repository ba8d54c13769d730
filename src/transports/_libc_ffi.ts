/**
 * Binds the C library's socket calls through the runtime's foreign function
 * interface (`_platform.ts` hands out `bun:ffi` or `Deno.dlopen`), from one
 * table of signatures. This file only binds the calls; the socket logic
 * lives in `_libc_datagram.ts`, the addresses in `_libc_unix.ts` and
 * `_libc_inet.ts`.
 *
 * @module
 */

import type { ForeignSymbols } from "../_ffi.ts";
import { permissionFlag, platform } from "../_platform.ts";
import type { Libc, LibcPlatform } from "./_libc_datagram.ts";

/** The C library to load, and the function that returns `&errno` on this thread. */
const LIBRARIES: Record<LibcPlatform, { path: string; errnoLocation: string }> = {
  // glibc; musl's loader maps every `libc.so.*` name to itself.
  linux: { path: "libc.so.6", errnoLocation: "__errno_location" },
  darwin: { path: "/usr/lib/libSystem.B.dylib", errnoLocation: "__error" },
};

// `sendto` and `recv` return `ssize_t`; its low 32 bits (`i32`) hold every
// result they can give here (a datagram's size, far below 2 GiB, or -1), and a
// 32-bit result avoids a BigInt allocation between the call and the read of
// errno. The receiving calls (bind, recv, unlink) are bound with the sending
// ones: one more symbol each at load time, nothing per send.
const SOCKET_CALLS: ForeignSymbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
};

/** The C calls as the foreign function interface exposes them; `usize` lengths are plain numbers. */
interface RawLibc {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, address: Uint8Array, size: number): number;
  sendto(fd: number, data: Uint8Array, length: number, flags: number, address: Uint8Array | null, size: number): number;
  close(fd: number): number;
  bind(fd: number, address: Uint8Array, size: number): number;
  recv(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  unlink(path: Uint8Array): number;
}

let loaded: Libc | undefined;

/**
 * Loads the C library once per thread (module instance) and binds the calls.
 *
 * @param purpose what the library is for, in error messages, e.g. `UDP sockets`
 * @returns the bound calls
 * @throws {Error} on a runtime without a foreign function interface, on Deno
 * without `--allow-ffi`, on an operating system other than Linux and macOS,
 * or when the library cannot be loaded
 */
export function loadLibc(purpose: string): Libc {
  if (loaded !== undefined) return loaded;
  const { os, openLibrary, isGranted, runtime } = platform();
  if (openLibrary === undefined) throw new Error(`Cannot load the C library for ${purpose}: ${runtime} has no FFI`);
  if (!isGranted({ name: "ffi" })) {
    throw new Error(`Cannot load the C library for ${purpose}: run Deno with ${permissionFlag({ name: "ffi" })}`);
  }
  if (os !== "linux" && os !== "darwin") {
    throw new Error(`Cannot load the C library for ${purpose} on ${os}: only Linux and macOS are supported`);
  }
  const { path, errnoLocation } = LIBRARIES[os];
  const library = openLibrary(path, { ...SOCKET_CALLS, [errnoLocation]: { parameters: [], result: "pointer" } });
  const symbols = library.symbols as unknown as RawLibc & Record<string, () => unknown>;
  const readErrno = library.int32At(symbols[errnoLocation]());
  loaded = checked(os, symbols, readErrno);
  return loaded;
}

/**
 * Wraps the raw calls so that each returns `-errno` on failure, reading
 * `errno` right after the call (`readErrno` must not allocate).
 */
function checked(platform: LibcPlatform, lib: RawLibc, readErrno: () => number): Libc {
  return {
    platform,
    socket: (domain, type, protocol) => {
      const fd = lib.socket(domain, type, protocol);
      return fd < 0 ? -readErrno() : fd;
    },
    connect: (fd, address) => (lib.connect(fd, address, address.length) < 0 ? -readErrno() : 0),
    sendto: (fd, data, flags, address) => {
      const sent = lib.sendto(fd, data, data.length, flags, address, address === null ? 0 : address.length);
      return sent < 0 ? -readErrno() : sent;
    },
    close: (fd) => (lib.close(fd) < 0 ? -readErrno() : 0),
    bind: (fd, address) => (lib.bind(fd, address, address.length) < 0 ? -readErrno() : 0),
    recv: (fd, buffer, flags) => {
      const size = lib.recv(fd, buffer, buffer.length, flags);
      return size < 0 ? -readErrno() : size;
    },
    unlink: (path) => (lib.unlink(path) < 0 ? -readErrno() : 0),
  };
}
