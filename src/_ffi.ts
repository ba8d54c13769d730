/**
 * Loading a C library through the runtime's foreign function interface:
 * one description of the functions, and a thin loader per dialect
 * (`Deno.dlopen`, `bun:ffi`). `_platform.ts` hands out the loader of the
 * runtime it runs on.
 *
 * @module
 */

/** A C type, as both loaders take it: `buffer` is a byte array passed by address, `pointer` an address. */
export type ForeignType = "i32" | "u32" | "usize" | "buffer" | "pointer";

/** A C function's signature, keyed by its C name in a {@linkcode ForeignSymbols} table. */
export interface ForeignFunction {
  /** The parameters' types. */
  readonly parameters: readonly ForeignType[];
  /** The result's type. */
  readonly result: ForeignType;
}

/** The functions to bind, by C name. */
export type ForeignSymbols = Readonly<Record<string, ForeignFunction>>;

/** A loaded library. */
export interface ForeignLibrary {
  /** The bound functions, by C name; a `usize` takes a plain number, a `buffer` a `Uint8Array` (or `null`). */
  readonly symbols: Readonly<Record<string, (...args: never[]) => unknown>>;
  /**
   * Returns a reader of the 32-bit integer at `pointer` (as a `pointer`
   * result gives it), made once: a read allocates nothing, so it cannot
   * disturb `errno`.
   */
  int32At(pointer: unknown): () => number;
}

/** Loads the library at `path` and binds `symbols`; throws when it cannot. */
export type OpenLibrary = (path: string, symbols: ForeignSymbols) => ForeignLibrary;

/** The part of `bun:ffi` the loader uses. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: never[]) => unknown> };
  read: { i32(pointer: number, offset: number): number };
}

/**
 * Binds through `bun:ffi`, whose dialect names both address types `ptr`.
 *
 * @example
 * ```ts ignore
 * import { openBunLibrary } from "./_ffi.ts";
 *
 * const libc = openBunLibrary("libc.so.6", { getpid: { parameters: [], result: "i32" } });
 * ```
 */
export const openBunLibrary: OpenLibrary = (path, symbols) => {
  const process = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  // getBuiltinModule rather than import(): no dynamic import for JSR to analyze, and no await.
  const ffi = process?.getBuiltinModule?.("bun:ffi") as BunFfi | undefined;
  if (ffi === undefined) throw new Error("Cannot load bun:ffi: this Bun has no process.getBuiltinModule");
  const bunType = (type: ForeignType) => (type === "buffer" || type === "pointer" ? "ptr" : type);
  const dialect = Object.fromEntries(
    Object.entries(symbols).map(([name, f]) => [name, { args: f.parameters.map(bunType), returns: bunType(f.result) }]),
  );
  const read = ffi.read.i32;
  return { symbols: ffi.dlopen(path, dialect).symbols, int32At: (pointer) => () => read(pointer as number, 0) };
};

/**
 * Binds through `Deno.dlopen` (which needs `--allow-ffi`), whose dialect
 * {@linkcode ForeignSymbols} already is.
 *
 * @example
 * ```ts ignore
 * import { openDenoLibrary } from "./_ffi.ts";
 *
 * const libc = openDenoLibrary("libc.so.6", { getpid: { parameters: [], result: "i32" } });
 * ```
 */
export const openDenoLibrary: OpenLibrary = (path, symbols) => {
  const library = Deno.dlopen(path, symbols as Record<string, Deno.ForeignFunction>);
  return {
    symbols: library.symbols as unknown as Record<string, (...args: never[]) => unknown>,
    int32At(pointer) {
      if (pointer === null) throw new Error("Cannot read through a NULL pointer");
      const view = new Deno.UnsafePointerView(pointer as Deno.PointerObject);
      return () => view.getInt32(0);
    },
  };
};
