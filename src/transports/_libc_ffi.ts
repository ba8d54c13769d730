/**
 * Binds the C library's socket calls for the runtime: `bun:ffi` under Bun,
 * `Deno.dlopen` under Deno (`--allow-ffi`). This file only binds the calls;
 * the socket logic lives in `_libc_datagram.ts`, the addresses in
 * `_libc_unix.ts` and `_libc_inet.ts`.
 *
 * @module
 */

import { isGranted, permissionFlag } from "../permissions.ts";
import { detectRuntime } from "../runtime.ts";
import type { Libc, LibcPlatform } from "./_libc_datagram.ts";

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

/** The C calls as the runtime's FFI exposes them; `usize` lengths are plain numbers. */
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
 * @throws {Error} on Deno without `--allow-ffi`, on an operating system other
 * than Linux and macOS, or when the library cannot be loaded
 */
export function loadLibc(purpose: string): Libc {
  loaded ??= detectRuntime() === "bun" ? bindBun(purpose) : bindDeno(purpose);
  return loaded;
}

function platformOf(os: string, purpose: string): LibcPlatform {
  if (os === "linux" || os === "darwin") return os;
  throw new Error(`Cannot load the C library for ${purpose} on ${os}: only Linux and macOS are supported`);
}

// `sendto` and `recv` return `ssize_t`; its low 32 bits (`i32`) hold every
// result they can give here (a datagram's size, far below 2 GiB, or -1), and a
// 32-bit result avoids a BigInt allocation between the call and the read of
// errno. The receiving calls (bind, recv, unlink) are bound with the sending
// ones: one more symbol each at load time, nothing per send.

function bindBun(purpose: string): Libc {
  const process = (globalThis as unknown as {
    process: { platform: string; getBuiltinModule?(name: string): unknown };
  }).process;
  const platform = platformOf(process.platform, purpose);
  const { path, errnoLocation } = LIBRARIES[platform];
  // getBuiltinModule rather than import(): no dynamic import for JSR to analyze, and no await.
  const ffi = process.getBuiltinModule?.("bun:ffi") as BunFfi | undefined;
  if (ffi === undefined) throw new Error("Cannot load bun:ffi: this Bun has no process.getBuiltinModule");
  const lib = ffi.dlopen(path, {
    socket: { args: ["i32", "i32", "i32"], returns: "i32" },
    connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
    sendto: { args: ["i32", "ptr", "usize", "i32", "ptr", "u32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
    recv: { args: ["i32", "ptr", "usize", "i32"], returns: "i32" },
    unlink: { args: ["ptr"], returns: "i32" },
    [errnoLocation]: { args: [], returns: "ptr" },
  }).symbols as unknown as RawLibc & Record<string, () => number>;
  const errno = lib[errnoLocation]();
  const read = ffi.read.i32;
  return checked(platform, lib, () => read(errno, 0));
}

function bindDeno(purpose: string): Libc {
  if (!isGranted({ name: "ffi" })) {
    throw new Error(`Cannot load the C library for ${purpose}: run Deno with ${permissionFlag({ name: "ffi" })}`);
  }
  const platform = platformOf(Deno.build.os, purpose);
  const { path, errnoLocation } = LIBRARIES[platform];
  const lib = Deno.dlopen(path, {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
    unlink: { parameters: ["buffer"], result: "i32" },
    errnoLocation: { name: errnoLocation, parameters: [], result: "pointer" },
  }).symbols;
  const location = lib.errnoLocation();
  if (location === null) throw new Error(`Cannot load the C library for ${purpose}: ${errnoLocation}() returned NULL`);
  // Made once: creating a view allocates, which could run code that overwrites errno.
  const errno = new Deno.UnsafePointerView(location);
  // Deno types a usize parameter as bigint but takes any safe-integer number.
  return checked(platform, lib as unknown as RawLibc, () => errno.getInt32(0));
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
