/**
 * Timers that never keep the process alive.
 *
 * @module
 */

/**
 * Calls `callback` after `ms` milliseconds without keeping the process alive.
 *
 * @returns a function that cancels the timer
 */
export function unrefTimeout(callback: () => void, ms: number): () => void {
  const handle = setTimeout(callback, ms) as unknown;
  if (typeof handle === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(handle);
  } else {
    (handle as { unref?: () => void }).unref?.();
  }
  return () => clearTimeout(handle as number);
}
