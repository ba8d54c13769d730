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
 * import { Counter, MeterId, type Writer } from "@spectator/client";
 *
 * let lines = 0;
 * const counting: Writer = {
 *   write: () => void lines++,
 *   flush: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * new Counter(new MeterId("requests"), counting).increment();
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

/**
 * A meter's line prefix `<symbol>:<id>:`, as text and as ASCII bytes, built
 * once per meter so that an update only formats its value.
 *
 * @example
 * ```ts
 * import { encodePrefix } from "@spectator/client";
 *
 * const prefix = encodePrefix("c:server.requestCount:");
 * prefix.bytes.length; // 22
 * ```
 */
export interface EncodedPrefix {
  /** The prefix as text. */
  readonly text: string;
  /** The prefix as ASCII bytes (ids are sanitized, so always ASCII). */
  readonly bytes: Uint8Array;
}

/**
 * Encodes a line prefix once, for {@linkcode ValueWriter.writeValue}.
 *
 * @example
 * ```ts
 * import { encodePrefix } from "@spectator/client";
 *
 * encodePrefix("g,120:queue.size:").text; // "g,120:queue.size:"
 * ```
 */
export function encodePrefix(text: string): EncodedPrefix {
  return { text, bytes: new TextEncoder().encode(text) };
}

/**
 * A writer with a fast path for meters: it takes the pre-encoded prefix and
 * the value separately, so no string is built per update. Meters use it when
 * their writer has it (the choice is made once, when the meter is built).
 *
 * @example
 * ```ts
 * import { encodePrefix, hasValuePath, MemoryWriter } from "@spectator/client";
 *
 * hasValuePath(new MemoryWriter()); // false: meters call write(prefix + value)
 * ```
 */
export interface ValueWriter extends Writer {
  /** Writes the line `prefix.text + value`; the same as `write()` of that line. */
  writeValue(prefix: EncodedPrefix, value: number | string): void;
}

/**
 * Tells whether `writer` has the {@linkcode ValueWriter} fast path.
 *
 * @example
 * ```ts
 * import { hasValuePath, NoopWriter } from "@spectator/client";
 *
 * hasValuePath(new NoopWriter()); // false
 * ```
 */
export function hasValuePath(writer: Writer): writer is ValueWriter {
  return typeof (writer as Partial<ValueWriter>).writeValue === "function";
}
