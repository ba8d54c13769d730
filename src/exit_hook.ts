/**
 * Flushing at natural process exit: one `beforeExit` listener for every
 * writer, so a program that simply ends still delivers what it wrote.
 *
 * @module
 */

const callbacks = new Set<() => void>();
let installed = false;

function runCallbacks(): void {
  for (const callback of callbacks) callback();
}

/**
 * Runs `callback` when the event loop empties before a natural exit (Node's
 * and Bun's `beforeExit`, which Deno also emits). Work the callback starts
 * keeps the process alive until it completes. `process.exit()` skips it.
 *
 * @returns a function that removes the callback
 */
export function onNaturalExit(callback: () => void): () => void {
  const process = (globalThis as { process?: { on?(event: string, listener: () => void): void } }).process;
  if (typeof process?.on !== "function") return () => {};
  if (!installed) {
    process.on("beforeExit", runCallbacks);
    installed = true;
  }
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}
