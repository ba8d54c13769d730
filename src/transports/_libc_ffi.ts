/**
 * Binds C library calls through the runtime's foreign function interface
 * (`_platform.ts` hands out `bun:ffi` or `Deno.dlopen`), from one table of
 * signatures per use: the sending calls here, the receiving ones with the
 * agent stand-in (`cli/_libc_receiver.ts`). Each bound call returns `-errno`
 * on failure. The socket logic lives in `_libc_datagram.ts`, the addresses
 * in `_libc_unix.ts` and `_libc_inet.ts`.
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

// `sendto` returns `ssize_t`; its low 32 bits (`i32`) hold every result it
// can give here (a datagram's size, far below 2 GiB, or -1), and a 32-bit
// result avoids a BigInt allocation between the call and the read of errno.
const SENDING_CALLS: ForeignSymbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
};

/** A C call as the foreign function interface exposes it: numbers and byte arrays in, an `int` out. */
export type RawCall = (...args: (number | Uint8Array | null)[]) => number;

/** C calls bound by {@linkcode openLibc}. */
export interface BoundLibc {
  /** The operating system, which decides the constants and address layouts. */
  platform: LibcPlatform;
  /** The calls, by C name. */
  calls: Record<string, RawCall>;
  /** Reads this thread's `errno` without allocating. */
  readErrno(): number;
}

/**
 * Loads the C library and binds `symbols`, with the errno location.
 *
 * @param purpose what the library is for, in error messages, e.g. `UDP sockets`
 * @param symbols the calls to bind
 * @returns the bound calls
 * @throws {Error} on a runtime without a foreign function interface, on Deno
 * without `--allow-ffi`, on an operating system other than Linux and macOS,
 * or when the library cannot be loaded
 */
export function openLibc(purpose: string, symbols: ForeignSymbols): BoundLibc {
  const { os, openLibrary, isGranted, runtime } = platform();
  if (openLibrary === undefined) throw new Error(`Cannot load the C library for ${purpose}: ${runtime} has no FFI`);
  if (!isGranted({ name: "ffi" })) {
    throw new Error(`Cannot load the C library for ${purpose}: run Deno with ${permissionFlag({ name: "ffi" })}`);
  }
  if (os !== "linux" && os !== "darwin") {
    throw new Error(`Cannot load the C library for ${purpose} on ${os}: only Linux and macOS are supported`);
  }
  const { path, errnoLocation } = LIBRARIES[os];
  const library = openLibrary(path, { ...symbols, [errnoLocation]: { parameters: [], result: "pointer" } });
  const calls = library.symbols as unknown as Record<string, RawCall>;
  return { platform: os, calls, readErrno: library.int32At((calls[errnoLocation] as () => unknown)()) };
}

/**
 * Wraps `call` so that it returns `-errno` when it fails (returns a negative
 * number), reading `errno` right after the call, before any other
 * JavaScript (which may allocate and overwrite it) runs.
 */
export function checked(call: RawCall, readErrno: () => number): RawCall {
  return (...args) => {
    const result = call(...args);
    return result < 0 ? -readErrno() : result;
  };
}

let loaded: Libc | undefined;

/**
 * Loads the C library's sending calls, once per thread (module instance).
 *
 * @param purpose what the library is for, in error messages, e.g. `UDP sockets`
 * @returns the bound calls
 * @throws {Error} as {@linkcode openLibc}
 */
export function loadLibc(purpose: string): Libc {
  if (loaded !== undefined) return loaded;
  const { platform, calls, readErrno } = openLibc(purpose, SENDING_CALLS);
  const [socket, connect, sendto, close] = ["socket", "connect", "sendto", "close"].map((name) =>
    checked(calls[name], readErrno)
  );
  loaded = {
    platform,
    socket,
    connect: (fd, address) => connect(fd, address, address.length),
    // Deno types a usize parameter as bigint but takes any safe-integer number.
    sendto: (fd, data, flags, address) => sendto(fd, data, data.length, flags, address, address?.length ?? 0),
    close,
  };
  return loaded;
}
