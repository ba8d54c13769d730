/**
 * Waiting in tests: for a moment ({@linkcode tick}), or for a condition to
 * hold, polled at a short interval with a bounded timeout ({@linkcode until}).
 *
 * @module
 */

/**
 * Waits `ms` milliseconds; with the default 0, until the next macrotask, by
 * which everything already queued as microtasks has run.
 *
 * @param ms how long to wait
 */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options for {@linkcode until}. */
export interface UntilOptions {
  /** Rejects once the condition has not held for this many milliseconds; default 2000. */
  timeoutMs?: number;
  /** How often to check the condition, in milliseconds; default 10. */
  intervalMs?: number;
}

/**
 * Resolves once `condition()` holds, checking it now and then every
 * `intervalMs`; rejects after `timeoutMs`, naming `what` it waited for.
 *
 * @param condition checked until it returns true; it may act, e.g. send again
 * @param what what the caller waits for, for the timeout message
 * @param options the timeout and the polling interval
 */
export async function until(condition: () => boolean, what: string, options: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 2000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await tick(intervalMs);
  }
}
