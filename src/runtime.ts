/**
 * Runtime detection: the one place that decides which runtime the library
 * runs on. Transports and file output choose their primitives from it.
 *
 * @module
 */

/**
 * The runtimes the library knows; `"other"` gets the portable fallbacks.
 *
 * @example
 * ```ts
 * import { detectRuntime, type RuntimeName } from "@spectator/client";
 *
 * const runtime: RuntimeName = detectRuntime();
 * ```
 */
export type RuntimeName = "deno" | "bun" | "node" | "other";

/**
 * Names the runtime this code runs on, from its globals. Bun is checked first
 * because it also defines `process`.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "@spectator/client";
 *
 * console.log(`running on ${detectRuntime()}`);
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } } };
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.process?.versions?.node === "string") return "node";
  return "other";
}
