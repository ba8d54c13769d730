// Polling for the plain-JavaScript checks that Node runs as they are (tests/*/*.check.mjs), which cannot import the
// TypeScript helpers.
import assert from "node:assert/strict";

/**
 * Waits until `condition()` holds, checking every `everyMs` milliseconds, and fails with `message()` after
 * `timeoutMs`.
 */
export async function waitUntil(condition, message, { timeoutMs = 5_000, everyMs = 5 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(message());
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
