/**
 * The contract between meters and output locations.
 *
 * @module
 */

import { defaultLogger, levelFiltered, type Logger } from "../logger.ts";

/**
 * Receives protocol lines from meters and delivers them to an output location.
 * `write` never throws and never blocks on I/O; `flush` and `close` report
 * completion.
 *
 * @example A writer that counts lines
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Counter, MeterId, type Writer } from "@spectator/client";
 *
 * let lines = 0;
 * const counting: Writer = {
 *   write: () => void lines++,
 *   flush: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * new Counter(new MeterId("requests"), counting).increment();
 * strictEqual(lines, 1);
 * ```
 */
export interface Writer {
  /** Accepts one protocol line, without a trailing newline. */
  write(line: string): void;
  /** Resolves when every line accepted so far has been handed to the output. */
  flush(): Promise<void>;
  /** Flushes, then releases the output; later writes are dropped. Idempotent. */
  close(): Promise<void>;
}

/**
 * Options shared by the built-in writers.
 *
 * @example
 * ```ts
 * import { MemoryWriter, type WriterOptions } from "@spectator/client";
 *
 * const options: WriterOptions = { logger: console, logLines: true };
 * const writer = new MemoryWriter(options);
 * ```
 */
export interface WriterOptions {
  /** Receives the writer's warnings, errors and debug lines; warnings and errors go to the console otherwise. */
  logger?: Logger;
  /** Logs every written line at debug level as `spectator.writer: write line=...`. */
  logLines?: boolean;
}

/** The logger a writer uses: the configured one (whose calls never throw) or the default. */
export function writerLogger(options: WriterOptions): Logger {
  return options.logger === undefined ? defaultLogger() : levelFiltered(options.logger, "debug");
}

/** A per-line debug hook when `logLines` is set, decided once at construction. */
export function lineLogger(options: WriterOptions): ((line: string) => void) | undefined {
  if (!options.logLines) return undefined;
  const logger = writerLogger(options);
  return (line) => logger.debug(`spectator.writer: write line=${line}`);
}
