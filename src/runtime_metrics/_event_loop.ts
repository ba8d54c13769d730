/**
 * The event loop's lag and turn time, each measured on its own unref'd timer
 * as spectator's Node.js metrics do: lag from a timer that should fire every
 * period, turn time from a pair of `setImmediate` callbacks started every
 * period.
 *
 * @module
 */

import { platform } from "../_platform.ts";
import { quietly, repeat } from "./_schedule.ts";

/**
 * Records how late a timer due every `periodMs` fires: the time between two
 * firings minus `periodMs`, in seconds, only when positive.
 *
 * @param periodMs the timer's period in milliseconds
 * @param record receives each positive lag, in seconds
 * @returns a function that stops the timer
 *
 * @example
 * ```ts
 * import { watchLag } from "./_event_loop.ts";
 *
 * const stop = watchLag(1000, (seconds) => console.log(`${seconds} s late`));
 * stop();
 * ```
 */
export function watchLag(periodMs: number, record: (seconds: number) => void): () => void {
  let last = performance.now();
  return repeat(() => {
    const now = performance.now();
    const lagMs = now - last - periodMs;
    last = now;
    if (lagMs > 0) record(lagMs / 1000);
  }, periodMs);
}

/**
 * Every `periodMs`, times one turn of the event loop: from one check phase to
 * the next (`setImmediate` to `setImmediate`), or from one macrotask to the
 * next where `setImmediate` is missing.
 *
 * @param periodMs the sampling period in milliseconds
 * @param record receives each turn's duration, in seconds
 * @returns a function that stops the sampling; a turn being timed is dropped
 *
 * @example
 * ```ts
 * import { watchLoopTime } from "./_event_loop.ts";
 *
 * const stop = watchLoopTime(500, (seconds) => console.log(`one turn: ${seconds} s`));
 * stop();
 * ```
 */
export function watchLoopTime(periodMs: number, record: (seconds: number) => void): () => void {
  let stopped = false;
  const finish = (start: number) => {
    if (!stopped) quietly(() => record((performance.now() - start) / 1000));
  };
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  const cancel = repeat(() => {
    if (typeof immediate === "function") {
      immediate(() => {
        const start = performance.now();
        immediate(() => finish(start));
      });
    } else {
      const start = performance.now();
      platform().unrefTimeout(() => finish(start), 0);
    }
  }, periodMs);
  return () => {
    stopped = true;
    cancel();
  };
}
