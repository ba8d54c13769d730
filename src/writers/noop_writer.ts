/**
 * The writer for location `none`, and for meters built without a writer.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { lineLogger, type Writer, writerLogger, type WriterOptions } from "./writer.ts";

function dropLine(_line: string): void {}

/**
 * Drops every line. Use location `none` to disable metrics without changing
 * the code that records them; at log level `debug` the dropped lines are
 * still logged, as with every writer.
 *
 * @example
 * ```ts
 * import { doesNotThrow } from "node:assert/strict";
 * import { Counter, MeterId, NoopWriter } from "@spectator/client";
 *
 * doesNotThrow(() => new Counter(new MeterId("requests"), new NoopWriter()).increment()); // the line goes nowhere
 * ```
 */
export class NoopWriter implements Writer {
  /** The logger this writer reports to. */
  readonly logger: Logger;
  /** Drops `line`; logs it first when `logLines` is set (chosen once, at construction). */
  readonly write: (line: string) => void;

  /**
   * Creates the writer.
   *
   * @param options logging of written lines
   */
  constructor(options: WriterOptions = {}) {
    this.logger = writerLogger(options);
    this.write = lineLogger(options) ?? dropLine;
  }

  /** Resolves at once: there is nothing to flush. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves at once: there is nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
