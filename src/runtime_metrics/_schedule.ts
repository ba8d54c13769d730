/**
 * Running runtime-metric probes on timers without disturbing the host: every
 * probe runs {@linkcode quietly}, and {@linkcode repeat} re-arms an unref'd
 * timeout, so no probe throws into the application or keeps it alive.
 *
 * @module
 */

import { platform } from "../_platform.ts";

/**
 * Runs `action`, swallowing anything it throws: runtime metrics never throw
 * into the application.
 *
 * @param action the probe to run
 *
 * @example
 * ```ts
 * import { doesNotThrow } from "node:assert/strict";
 * import { quietly } from "./_schedule.ts";
 *
 * doesNotThrow(() =>
 *   quietly(() => {
 *     throw new Error("a revoked permission");
 *   })
 * );
 * ```
 */
export function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // A probe the runtime refuses (a revoked permission, a missing API) is skipped.
  }
}

/**
 * Calls `action` (quietly) every `ms` milliseconds, each run `ms` after the
 * previous one started, on timers that never keep the process alive.
 *
 * @param action the probe to run
 * @param ms the period in milliseconds
 * @returns a function that cancels the next run and all later ones
 *
 * @example
 * ```ts
 * import { repeat } from "./_schedule.ts";
 *
 * const cancel = repeat(() => console.log("tick"), 1000);
 * cancel();
 * ```
 */
export function repeat(action: () => void, ms: number): () => void {
  let cancelled = false;
  let cancelTimer = () => {};
  const arm = () => {
    cancelTimer = platform().unrefTimeout(() => {
      if (cancelled) return;
      arm();
      quietly(action);
    }, ms);
  };
  arm();
  return () => {
    cancelled = true;
    cancelTimer();
  };
}
