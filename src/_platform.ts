/**
 * The runtime, decided once: this module alone looks at the globals to tell
 * Deno, Bun and Node apart, and hands the rest of the library a table of
 * what differs between them (environment, permissions, timers, the exit
 * hook, files and streams, the foreign function interface). Transports are
 * chosen from the same answer in `transports/_routes.ts`.
 *
 * @module
 */

import { openBunLibrary, openDenoLibrary, type OpenLibrary } from "./_ffi.ts";

/**
 * The runtimes the library knows; `"other"` gets the portable fallbacks.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { platform, type RuntimeName } from "./_platform.ts";
 *
 * const runtime: RuntimeName = platform().runtime;
 * strictEqual(["deno", "bun", "node", "other"].includes(runtime), true);
 * ```
 */
export type RuntimeName = "deno" | "bun" | "node" | "other";

/** A Deno permission the library may need; other runtimes grant everything. */
export type PermissionDescriptor =
  | { name: "env"; variable: string }
  | { name: "net"; host?: string }
  | { name: "write"; path?: string }
  | { name: "read"; path?: string }
  | { name: "ffi" };

/** The `node:fs` calls the library uses, which Deno, Bun and Node all provide. */
export interface SyncFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, text: string): number;
  closeSync(fd: number): void;
  readdirSync(path: string): unknown[];
  readFileSync(path: string, encoding: "utf8"): string;
}

/** A process stream that takes text, such as `process.stdout`. */
export interface TextStream {
  write(text: string): boolean;
}

/** What differs between runtimes, decided once by {@linkcode platform}. */
export interface Platform {
  /** The runtime. */
  readonly runtime: RuntimeName;
  /** The operating system as Node names it: `linux`, `darwin`, ...; `unknown` when the runtime does not say. */
  readonly os: string;
  /**
   * Returns the environment variable `name`, or `undefined` when it is unset
   * or cannot be read (Deno without `--allow-env`, which `onDenied` is told).
   * Never throws and never prompts.
   */
  readEnv(name: string, onDenied?: (variable: string) => void): string | undefined;
  /** Whether `descriptor` is granted, asked without prompting: always `true` outside Deno. */
  isGranted(descriptor: PermissionDescriptor): boolean;
  /** Calls `callback` after `ms` milliseconds without keeping the process alive; returns a cancel function. */
  unrefTimeout(callback: () => void, ms: number): () => void;
  /**
   * Runs `callback` when the event loop empties before a natural exit (the
   * `beforeExit` event, which Deno emits too); work it starts keeps the
   * process alive until done. `process.exit()` skips it. Returns a function
   * that removes the callback.
   */
  onNaturalExit(callback: () => void): () => void;
  /**
   * Runs `callback` synchronously as the process ends, however it ends but
   * by a signal: after a natural exit, and on `process.exit()` (Node, Bun,
   * Deno) or `Deno.exit()`. Nothing asynchronous runs after it. Returns a
   * function that removes the callback.
   */
  onExit(callback: () => void): () => void;
  /**
   * Calls `callback` every `IDLE_CHECK_MS` or so while nothing else keeps the
   * process alive (it would end, but for a resource the runtime cannot
   * unref); where the runtime cannot tell (everywhere but Node), never.
   * Returns a function that stops the watch.
   */
  watchIdle(callback: () => void): () => void;
  /** The synchronous file calls of `node:fs`, or `undefined` where the runtime has none. */
  fs(): SyncFs | undefined;
  /** The process's standard output or standard error. */
  stream(name: "stdout" | "stderr"): TextStream;
  /** Loads a C library: through `bun:ffi` on Bun, `Deno.dlopen` on Deno; `undefined` elsewhere. */
  readonly openLibrary: OpenLibrary | undefined;
}

interface Globals {
  Deno?: {
    build?: { os?: string };
    env?: { get(name: string): string | undefined };
    permissions?: { querySync(descriptor: PermissionDescriptor): { state: string } };
    unrefTimer?(id: number): void;
  };
  Bun?: unknown;
  process?: {
    platform?: string;
    versions?: { node?: string };
    env?: Record<string, string | undefined>;
    on?(event: string, listener: () => void): void;
    getBuiltinModule?(id: string): unknown;
    getActiveResourcesInfo?(): string[];
  } & Partial<Record<"stdout" | "stderr", TextStream>>;
  addEventListener?(type: string, listener: () => void): void;
}

const globals = globalThis as Globals;

/** Names the runtime from its globals; Bun first, since it also defines `process`. */
function detectRuntime(): RuntimeName {
  if (typeof globals.Bun === "object" && globals.Bun !== null) return "bun";
  if (typeof globals.Deno === "object" && globals.Deno !== null) return "deno";
  if (typeof globals.process?.versions?.node === "string") return "node";
  return "other";
}

/** How often {@linkcode Platform.watchIdle} looks, in milliseconds: the longest it may delay a natural exit. */
export const IDLE_CHECK_MS = 20;

/**
 * One listener of an event shared by every callback the library registers
 * for it: `listen` installs it on first use; the callbacks run in the order
 * they were added, those added meanwhile included.
 */
function sharedHook(listen: (run: () => void) => boolean): (callback: () => void) => () => void {
  const callbacks = new Set<() => void>();
  let listening = false;
  return (callback) => {
    listening ||= listen(() => {
      for (const run of callbacks) {
        try {
          run();
        } catch {
          // The library's own callbacks: one that fails must neither stop the others nor change how the process ends.
        }
      }
    });
    if (!listening) return () => {};
    callbacks.add(callback);
    return () => callbacks.delete(callback);
  };
}

/** Listens for a `process` event, where there is a `process`. */
function processEvent(event: string): (run: () => void) => boolean {
  return (run) => {
    if (typeof globals.process?.on !== "function") return false;
    globals.process.on(event, run);
    return true;
  };
}

const onNaturalExit = sharedHook(processEvent("beforeExit"));
const onProcessExit = sharedHook(processEvent("exit"));
/** Deno dispatches `unload` on a natural exit, `Deno.exit()` and `process.exit()` alike. */
const onUnload = sharedHook((run) => {
  if (typeof globals.addEventListener !== "function") return false;
  globals.addEventListener("unload", run);
  return true;
});

/**
 * The resources Node lists for the standard streams, whether or not they keep the event loop alive (a pipe or a
 * terminal that nothing reads from or writes to does not).
 */
const STDIO_RESOURCES: ReadonlySet<string> = new Set(["PipeWrap", "TTYWrap"]);

/**
 * Node's watch: the process is idle when no resource keeps its event loop alive but the standard streams. (A pipe
 * of its own taken for one of them costs the caller no more than closing its resource early.)
 */
function watchNodeIdle(callback: () => void): () => void {
  const resources = globals.process?.getActiveResourcesInfo;
  if (typeof resources !== "function") return () => {};
  const handle = setInterval(() => {
    const active = resources.call(globals.process);
    if (active.length <= 3 && active.every((type) => STDIO_RESOURCES.has(type))) callback();
  }, IDLE_CHECK_MS) as unknown as { unref?(): void };
  handle.unref?.();
  return () => clearInterval(handle as unknown as number);
}

/** Runtimes that cannot tell whether anything else keeps the process alive. */
function watchNothing(_callback: () => void): () => void {
  return () => {};
}

function nodeFs(): SyncFs | undefined {
  return globals.process?.getBuiltinModule?.("node:fs") as SyncFs | undefined;
}

function processStream(name: "stdout" | "stderr"): TextStream {
  const stream = globals.process?.[name];
  if (stream === undefined) throw new Error(`${name} output needs process.${name}, which this runtime does not have`);
  return stream;
}

/** Runtimes whose timers are objects with `unref()`. */
function unrefObjectTimeout(callback: () => void, ms: number): () => void {
  const handle = setTimeout(callback, ms) as unknown as { unref?(): void };
  handle.unref?.();
  return () => clearTimeout(handle as unknown as number);
}

/** The table for Node, Bun and runtimes that copy Node's globals. */
function nodeLike(runtime: RuntimeName, openLibrary: OpenLibrary | undefined): Platform {
  return {
    runtime,
    os: globals.process?.platform ?? "unknown",
    readEnv: (name) => globals.process?.env?.[name],
    isGranted: () => true,
    unrefTimeout: unrefObjectTimeout,
    onNaturalExit,
    onExit: onProcessExit,
    watchIdle: runtime === "node" ? watchNodeIdle : watchNothing,
    fs: nodeFs,
    stream: processStream,
    openLibrary,
  };
}

function deno(): Platform {
  const deno = globals.Deno!;
  const isGranted = (descriptor: PermissionDescriptor) => {
    try {
      return deno.permissions!.querySync(descriptor).state === "granted";
    } catch {
      return false;
    }
  };
  return {
    runtime: "deno",
    os: deno.build?.os ?? "unknown",
    readEnv(name, onDenied) {
      if (isGranted({ name: "env", variable: name })) return deno.env!.get(name);
      onDenied?.(name);
      return undefined;
    },
    isGranted,
    unrefTimeout(callback, ms) {
      const id = setTimeout(callback, ms) as unknown as number;
      deno.unrefTimer!(id);
      return () => clearTimeout(id);
    },
    onNaturalExit,
    onExit: onUnload,
    watchIdle: watchNothing,
    fs: nodeFs,
    stream: processStream,
    openLibrary: openDenoLibrary,
  };
}

let current: Platform | undefined;

/**
 * The table of the runtime this code runs on, decided on first use and then
 * kept: importing the library touches no runtime API.
 *
 * @returns the platform
 *
 * @example Read an environment variable on any runtime
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { platform } from "./_platform.ts";
 *
 * strictEqual(platform(), platform());
 * strictEqual(typeof (platform().readEnv("HOME") ?? ""), "string");
 * ```
 */
export function platform(): Platform {
  if (current !== undefined) return current;
  const runtime = detectRuntime();
  current = runtime === "deno" ? deno() : nodeLike(runtime, runtime === "bun" ? openBunLibrary : undefined);
  return current;
}

/**
 * The Deno command-line flag that grants `descriptor`, for messages.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { permissionFlag } from "./_platform.ts";
 *
 * strictEqual(permissionFlag({ name: "ffi" }), "--allow-ffi");
 * ```
 */
export function permissionFlag(descriptor: PermissionDescriptor): string {
  return `--allow-${descriptor.name}`;
}
