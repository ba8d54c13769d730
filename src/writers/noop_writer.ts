/**
 * The writer for location `none`, and for meters built without a writer.
 *
 * @module
 */

import type { Writer } from "./writer.ts";

/**
 * Drops every line. Use location `none` to disable metrics without changing
 * the code that records them.
 *
 * @example
 * ```ts
 * import { Counter, MeterId, NoopWriter } from "@spectator/client";
 *
 * new Counter(new MeterId("requests"), new NoopWriter()).increment(); // goes nowhere
 * ```
 */
export class NoopWriter implements Writer {
  /** Drops `line`. */
  write(_line: string): void {}

  /** Resolves at once: there is nothing to flush. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves at once: there is nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
