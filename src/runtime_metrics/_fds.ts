/**
 * File descriptors on Linux: how many are open (the entries of
 * `/proc/self/fd`) and how many may be (the soft "Max open files" limit in
 * `/proc/self/limits`), read with `Deno` on Deno and `node:fs` elsewhere.
 *
 * @module
 */

import { isGranted } from "../permissions.ts";
import { detectRuntime } from "../runtime.ts";

const OPEN_FDS = "/proc/self/fd";
const LIMITS = "/proc/self/limits";

/** The file-descriptor counts a runtime can read; a missing one is not observable. */
export interface FdReaders {
  /** The number of open file descriptors. */
  open?: () => number;
  /** The soft limit on open file descriptors, `undefined` when unlimited. */
  max?: () => number | undefined;
}

interface ProcFs {
  countEntries(path: string): number;
  readText(path: string): string;
}

interface DenoFs {
  build?: { os?: string };
  readDirSync?: (path: string) => Iterable<unknown>;
  readTextFileSync?: (path: string) => string;
}

/** Reads `/proc` on Deno, where each path needs read permission. */
function denoProcFs(deno: DenoFs): ProcFs {
  return {
    countEntries(path) {
      let count = 0;
      for (const _ of deno.readDirSync!(path)) count++;
      return count;
    },
    readText: (path) => deno.readTextFileSync!(path),
  };
}

/** Reads `/proc` with `node:fs`, or `undefined` where it cannot be loaded. */
async function nodeProcFs(): Promise<ProcFs | undefined> {
  try {
    const fs = await import("node:fs") as {
      readdirSync(path: string): unknown[];
      readFileSync(path: string, encoding: "utf8"): string;
    };
    return {
      countEntries: (path) => fs.readdirSync(path).length,
      readText: (path) => fs.readFileSync(path, "utf8"),
    };
  } catch {
    return undefined;
  }
}

/**
 * The soft limit of the "Max open files" row of a `/proc/<pid>/limits` text,
 * or `undefined` when it is unlimited or the row is missing.
 *
 * @param limits the text of `/proc/self/limits`
 * @returns the soft limit on open file descriptors
 *
 * @example
 * ```ts
 * import { parseMaxOpenFiles } from "./_fds.ts";
 *
 * parseMaxOpenFiles("Max open files            1024                 4096                 files"); // 1024
 * ```
 */
export function parseMaxOpenFiles(limits: string): number | undefined {
  const row = limits.split("\n").find((line) => line.startsWith("Max open files"));
  const soft = row?.slice("Max open files".length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return soft !== undefined && soft !== "" && Number.isFinite(value) ? value : undefined;
}

/**
 * Prepares the file-descriptor counts: both on Linux, each on Deno only with
 * read permission for its `/proc` path, none elsewhere.
 *
 * @returns the readers this runtime supports
 *
 * @example
 * ```ts
 * import { loadFdReaders } from "./_fds.ts";
 *
 * const { open, max } = await loadFdReaders();
 * console.log(open?.(), max?.());
 * ```
 */
export async function loadFdReaders(): Promise<FdReaders> {
  const deno = (globalThis as { Deno?: DenoFs }).Deno;
  const onDeno = detectRuntime() === "deno";
  const os = onDeno ? deno?.build?.os : (globalThis as { process?: { platform?: string } }).process?.platform;
  if (os !== "linux") return {};
  const fs = onDeno ? denoProcFs(deno!) : await nodeProcFs();
  if (fs === undefined) return {};
  const readable = (path: string) => !onDeno || isGranted({ name: "read", path });
  return {
    open: readable(OPEN_FDS) ? () => fs.countEntries(OPEN_FDS) : undefined,
    max: readable(LIMITS) ? () => parseMaxOpenFiles(fs.readText(LIMITS)) : undefined,
  };
}
