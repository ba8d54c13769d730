/**
 * File descriptors on Linux: how many are open (the entries of
 * `/proc/self/fd`) and how many may be (the soft "Max open files" limit in
 * `/proc/self/limits`), read with `node:fs`.
 *
 * @module
 */

import { platform } from "../_platform.ts";

const OPEN_FDS = "/proc/self/fd";
const LIMITS = "/proc/self/limits";

/** The file-descriptor counts a runtime can read; a missing one is not observable. */
export interface FdReaders {
  /** The number of open file descriptors. */
  open?: () => number;
  /** The soft limit on open file descriptors, `undefined` when unlimited. */
  max?: () => number | undefined;
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
 * import { strictEqual } from "node:assert/strict";
 * import { parseMaxOpenFiles } from "./_fds.ts";
 *
 * strictEqual(parseMaxOpenFiles("Max open files            1024                 4096                 files"), 1024);
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
 * const { open, max } = loadFdReaders();
 * console.log(open?.(), max?.());
 * ```
 */
export function loadFdReaders(): FdReaders {
  const { os, fs, isGranted } = platform();
  const files = fs();
  if (os !== "linux" || files === undefined) return {};
  const readable = (path: string) => isGranted({ name: "read", path });
  return {
    open: readable(OPEN_FDS) ? () => files.readdirSync(OPEN_FDS).length : undefined,
    max: readable(LIMITS) ? () => parseMaxOpenFiles(files.readFileSync(LIMITS, "utf8")) : undefined,
  };
}
