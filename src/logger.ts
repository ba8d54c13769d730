/**
 * Logging: the pluggable {@linkcode Logger}, log levels, and the rate limit
 * that keeps a dead agent from flooding the application's logs.
 *
 * @module
 */

/**
 * Where the library's messages go. Any object with these four methods works,
 * `console` included. Every message starts with the spectator-py logger name,
 * e.g. `spectator.writer: write line=c:counter:1`.
 *
 * @example A logger that collects messages
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { Config, type Logger, Registry } from "@spectator/client";
 *
 * const messages: string[] = [];
 * const logger: Logger = {
 *   debug: (m) => messages.push(m),
 *   info: (m) => messages.push(m),
 *   warn: (m) => messages.push(m),
 *   error: (m) => messages.push(m),
 * };
 * const config = new Config({ location: "memory", logger, logLevel: "debug" });
 * new Registry(config).counter("requests").increment();
 * ok(messages.some((m) => m.startsWith("spectator.writer: write line=c:requests")));
 * ```
 */
export interface Logger {
  /** Detail for troubleshooting: at level `debug` every written line. */
  debug(message: string): void;
  /** Lifecycle events such as creating or closing a registry. */
  info(message: string): void;
  /** Something the user should fix: dropped tags, invalid values, lost lines. */
  warn(message: string): void;
  /** A failure of the output location, such as an unreachable agent. */
  error(message: string): void;
}

/**
 * The most detailed level that reaches the {@linkcode Logger}; `"off"` silences
 * the library.
 *
 * @example Log every written line
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, type LogLevel } from "@spectator/client";
 *
 * const logLevel: LogLevel = "debug";
 * strictEqual(new Config({ location: "memory", logLevel }).logLevel, "debug");
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

/** The accepted log levels, most detailed first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "off"];

function ignore(_message: string): void {}

/**
 * Returns a logger that forwards messages at `level` and above to `logger`
 * and drops the rest, so callers never check the level themselves. A call
 * that throws (the host's logger is broken) is ignored: logging never makes
 * the library throw.
 *
 * @example Keep warnings and errors only
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { levelFiltered } from "./logger.ts";
 *
 * const seen: string[] = [];
 * const record = (message: string) => void seen.push(message);
 * const logger = levelFiltered({ debug: record, info: record, warn: record, error: record }, "warn");
 * logger.debug("dropped");
 * logger.warn("kept");
 * deepStrictEqual(seen, ["kept"]);
 * ```
 */
export function levelFiltered(logger: Logger, level: LogLevel): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const pick = (name: Exclude<LogLevel, "off">) =>
    LOG_LEVELS.indexOf(name) >= rank
      ? (message: string) => {
        try {
          logger[name](message);
        } catch {
          // A logger that throws is the host's bug; the update that logged must not fail for it.
        }
      }
      : ignore;
  return { debug: pick("debug"), info: pick("info"), warn: pick("warn"), error: pick("error") };
}

/**
 * The logger used where none is configured: warnings and errors go to the
 * console, nothing else.
 *
 * @example
 * ```ts
 * import { defaultLogger } from "./logger.ts";
 *
 * defaultLogger().debug("not printed");
 * ```
 */
export function defaultLogger(): Logger {
  return levelFiltered(console, "warn");
}
