/**
 * The writer for location `memory`: keeps lines for tests to inspect.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { lineLogger, type Writer, writerLogger, type WriterOptions } from "./writer.ts";

/**
 * Keeps every written line in memory, in order, so tests can assert on the
 * exact protocol output. `close()` clears the lines.
 *
 * @example Assert on what a counter writes
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Counter, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const writer = new MemoryWriter(); // what registry.writer() is for location "memory"
 * new Counter(new MeterId("server.requestCount", { status: "200" }), writer).increment();
 * strictEqual(writer.lastLine(), "c:server.requestCount,status=200:1");
 * ```
 */
export class MemoryWriter implements Writer {
  /** The logger this writer reports to. */
  readonly logger: Logger;
  readonly #lines: string[] = [];
  readonly #logLine: ((line: string) => void) | undefined;

  /**
   * Creates an empty writer.
   *
   * @param options logging of written lines
   */
  constructor(options: WriterOptions = {}) {
    this.logger = writerLogger(options);
    this.#logLine = lineLogger(options);
  }

  /** Keeps `line`. */
  write(line: string): void {
    this.#logLine?.(line);
    this.#lines.push(line);
  }

  /** Returns a copy of the lines written so far, oldest first. */
  get(): string[] {
    return [...this.#lines];
  }

  /** Forgets every line. */
  clear(): void {
    this.#lines.length = 0;
  }

  /** Returns whether no line is kept. */
  isEmpty(): boolean {
    return this.#lines.length === 0;
  }

  /** Returns the newest line, or `undefined` when there is none. */
  lastLine(): string | undefined {
    return this.#lines.at(-1);
  }

  /** Resolves at once: lines are kept as they are written. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Clears the lines. */
  close(): Promise<void> {
    this.clear();
    return Promise.resolve();
  }
}
