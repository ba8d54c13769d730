/**
 * Deno permission checks. On Deno an API used without its permission throws
 * (or prompts in a terminal), so the library asks first and degrades with a
 * warning instead. Other runtimes grant everything.
 *
 * @module
 */

import { detectRuntime } from "./runtime.ts";

/** A Deno permission the library may need. */
export type PermissionDescriptor =
  | { name: "env"; variable: string }
  | { name: "net"; host?: string }
  | { name: "write"; path?: string }
  | { name: "read"; path?: string }
  | { name: "ffi" };

/**
 * Tells whether `descriptor` is granted without prompting: always `true`
 * outside Deno.
 */
export function isGranted(descriptor: PermissionDescriptor): boolean {
  if (detectRuntime() !== "deno") return true;
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** The Deno command-line flag that grants `descriptor`, for messages. */
export function permissionFlag(descriptor: PermissionDescriptor): string {
  return `--allow-${descriptor.name}`;
}
