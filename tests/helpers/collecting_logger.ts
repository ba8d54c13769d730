/**
 * A {@linkcode Logger} that keeps every message, so tests can assert on
 * warnings instead of letting them reach the console.
 *
 * @module
 */

import type { Logger, LogLevel } from "../../mod.ts";

/** A level a message can be logged at. */
export type MessageLevel = Exclude<LogLevel, "off">;

/** One logged message. */
export interface LogRecord {
  /** The method that was called. */
  level: MessageLevel;
  /** The message as given. */
  message: string;
}

/** Keeps every message in {@linkcode CollectingLogger.records}, oldest first. */
export class CollectingLogger implements Logger {
  /** Every message logged so far. */
  readonly records: LogRecord[] = [];

  debug(message: string): void {
    this.records.push({ level: "debug", message });
  }

  info(message: string): void {
    this.records.push({ level: "info", message });
  }

  warn(message: string): void {
    this.records.push({ level: "warn", message });
  }

  error(message: string): void {
    this.records.push({ level: "error", message });
  }

  /** Returns the messages logged at `level`, oldest first. */
  messages(level: MessageLevel): string[] {
    return this.records.filter((record) => record.level === level).map((record) => record.message);
  }
}
