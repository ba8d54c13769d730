/**
 * Registry configuration: output location, common tags, buffering, logging.
 *
 * @module
 */

import { defaultLogger, levelFiltered, LOG_LEVELS, type Logger, type LogLevel } from "./logger.ts";
import { type Location, parseLocation } from "./location.ts";
import { describeValue, MeterId } from "./meter_id.ts";
import { optionChecks } from "./_option_checks.ts";
import { checkOptionNames } from "./_option_names.ts";
import { OnceSet } from "./_once_set.ts";
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_LOCATION,
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_METER_CACHE_SIZE,
  MAX_BUFFER_SIZE,
  MAX_DATAGRAM_BYTES,
  MAX_DELAY_MS,
  MAX_PENDING_BYTES,
} from "./_defaults.ts";
import { platform } from "./_platform.ts";
import type { TransportFactory } from "./transports/transport.ts";

const check = optionChecks("Config");

/**
 * Options for {@linkcode Config}; every one is optional.
 *
 * @example Buffer lines and tag every meter
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, type ConfigOptions } from "@spectator/client";
 *
 * const options: ConfigOptions = {
 *   location: "udp://127.0.0.1:1234",
 *   extraCommonTags: { "nf.app": "checkout" },
 *   bufferSize: 8192,
 *   flushIntervalMs: 500,
 * };
 * const config = new Config(options);
 * strictEqual(config.bufferSize, 8192);
 * ```
 */
export interface ConfigOptions {
  /**
   * Where lines go: `none`, `memory`, `stdout`, `stderr`, `udp` (the
   * default, `udp://127.0.0.1:1234`), `unix`
   * (`unix:///run/spectatord/spectatord.unix`), `file://<absolute path>`,
   * `udp://<host>:<port>` (IPv6 in brackets) or `unix://<absolute path>`.
   * `SPECTATOR_OUTPUT_LOCATION` overrides it.
   */
  location?: string;
  /** Tags added to every meter made by name; they override user tags of the same key. */
  extraCommonTags?: Record<string, string>;
  /**
   * Bytes of lines to collect before sending (UDP and Unix only). 0, the
   * default, sends at the end of each event-loop turn.
   */
  bufferSize?: number;
  /** With `bufferSize` above 0, the longest a line waits, in milliseconds (default 1000). */
  flushIntervalMs?: number;
  /** The most bytes that may wait for the transport; lines past it are dropped and counted (default 4 MiB). */
  maxPendingBytes?: number;
  /** The largest datagram sent, in bytes, from 512 to 65507 (default 61440). */
  maxDatagramBytes?: number;
  /** Receives the library's messages; warnings and errors go to the console by default. */
  logger?: Logger;
  /** The most detailed level passed to the logger (default `"warn"`); `"debug"` logs every line written. */
  logLevel?: LogLevel;
  /**
   * On Deno with `--allow-ffi`, reach sockets through the C library
   * (`Deno.dlopen`) in preference to Deno's own: UDP sends become
   * synchronous, so a burst leaves while it is written instead of waiting in
   * memory (where the pending bound drops lines), and Unix datagram sockets
   * work without `--unstable-net`. Linux and macOS only; default `true`.
   * `false` turns it off for both `udp` and `unix` locations.
   */
  ffi?: boolean;
  /**
   * Like {@linkcode ffi}, for `unix` locations only: `false` keeps Deno from
   * reaching Unix datagram sockets through the C library (then only
   * `--unstable-net`'s `Deno.listenDatagram` can). Bun always uses it;
   * default `true`.
   */
  unixFfi?: boolean;
  /** Replaces the runtime's transport for `udp` and `unix` locations, e.g. in tests. */
  transport?: TransportFactory;
  /**
   * Pre-aggregates in the client: per id and interval, counters are summed,
   * gauges and monotonic counters and age gauges keep the last value, max
   * gauges the maximum; timers and distribution summaries still send every
   * sample. Off by default.
   */
  aggregate?: AggregateOptions;
  /** The most meters the registry caches by symbol, name and tags (least recently used go first); 0 disables (default 10000). */
  meterCacheSize?: number;
  /**
   * For `udp` and `unix` locations: fold the updates of meters whose values
   * combine into one line per id until lines leave, so that a burst costs
   * one line per id and no counted total is lost while the socket opens or
   * is busy (counters sum; gauges, monotonic counters and age gauges keep
   * the last value; max gauges the largest). Lines still leave at the end
   * of each event-loop turn, carrying what SpectatorD would have computed
   * from the separate lines; timers and distribution summaries send every
   * sample. Default `true`; `false` sends every update as its own line.
   */
  fold?: boolean;
}

/**
 * Options for pre-aggregation ({@linkcode ConfigOptions.aggregate}).
 *
 * @example One line per id per second
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { type AggregateOptions, Config } from "@spectator/client";
 *
 * const aggregate: AggregateOptions = { intervalMs: 1000 };
 * strictEqual(new Config({ aggregate }).aggregateIntervalMs, 1000);
 * ```
 */
export interface AggregateOptions {
  /** How long updates collect before one line per id is written, in milliseconds (100 to 60000; keep it under SpectatorD's 5 s). */
  intervalMs: number;
}

/** Every option of {@linkcode ConfigOptions} (the type keeps the list complete and exact). */
const OPTION_NAMES: Readonly<Record<keyof ConfigOptions, true>> = {
  location: true,
  extraCommonTags: true,
  bufferSize: true,
  flushIntervalMs: true,
  maxPendingBytes: true,
  maxDatagramBytes: true,
  logger: true,
  logLevel: true,
  ffi: true,
  unixFfi: true,
  transport: true,
  aggregate: true,
  meterCacheSize: true,
  fold: true,
};

const ENV_COMMON_TAGS: readonly [tag: string, variable: string][] = [
  ["nf.container", "TITUS_CONTAINER_NAME"],
  ["nf.process", "NETFLIX_PROCESS_NAME"],
];

/** The lists of environment variables already reported as unreadable, with the level they were reported at. */
const deniedVariables = new OnceSet(100);

/**
 * The registry's configuration, validated at construction: an invalid
 * location (also from `SPECTATOR_OUTPUT_LOCATION`), size or logger throws a
 * `TypeError` or `RangeError` naming the value and what is allowed, and an
 * unknown option (such as spectator-py's `extra_common_tags`) a `TypeError`
 * naming it and the spelling expected.
 *
 * @example The default: UDP to the local SpectatorD
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import process from "node:process";
 * import { Config } from "@spectator/client";
 *
 * const config = new Config();
 * strictEqual(config.location, process.env.SPECTATOR_OUTPUT_LOCATION ?? "udp");
 * ```
 *
 * @example Testing setup
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config } from "@spectator/client";
 *
 * const config = new Config({ location: "memory", extraCommonTags: { "nf.app": "test" } });
 * strictEqual(config.extraCommonTags["nf.app"], "test"); // nf.container and nf.process come from the environment
 * ```
 */
export class Config {
  /** The location in force: `SPECTATOR_OUTPUT_LOCATION` when set, else the configured one. */
  readonly location: string;
  /** The parsed {@linkcode location}. */
  readonly target: Location;
  /** The configured common tags merged with those from the environment (which win). */
  readonly extraCommonTags: Readonly<Record<string, string>>;
  /** Bytes collected before a send; 0 sends every event-loop turn. */
  readonly bufferSize: number;
  /** The longest a buffered line waits, in milliseconds. */
  readonly flushIntervalMs: number;
  /** The most bytes that may wait for the transport. */
  readonly maxPendingBytes: number;
  /** The largest datagram sent, in bytes. */
  readonly maxDatagramBytes: number;
  /** The logger, already filtered by {@linkcode logLevel}. */
  readonly logger: Logger;
  /** The most detailed level that reaches the logger. */
  readonly logLevel: LogLevel;
  /** Whether Deno may reach sockets through the C library (FFI). */
  readonly ffi: boolean;
  /** Whether Deno may reach Unix sockets through FFI: {@linkcode ffi} and the `unixFfi` option. */
  readonly unixFfi: boolean;
  /** A transport that replaces the runtime's, when given. */
  readonly transport: TransportFactory | undefined;
  /** The pre-aggregation interval in milliseconds, or `undefined` when off. */
  readonly aggregateIntervalMs: number | undefined;
  /** The most meters cached by the registry. */
  readonly meterCacheSize: number;
  /** Whether socket locations fold updates of one id into one line per event-loop turn. */
  readonly fold: boolean;

  /**
   * Validates the options and reads the environment.
   *
   * @param options what to change from the defaults
   */
  constructor(options: ConfigOptions = {}) {
    if (typeof options === "string") {
      throw new TypeError(
        `Cannot create Config: options must be an object such as { location: ${describeValue(options)} } ` +
          `(spectator-py and spectator-js take the location as the first argument): received ${describeValue(options)}`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot create Config: options must be an object: received ${describeValue(options)}`);
    }
    checkOptionNames(options, Object.keys(OPTION_NAMES));
    this.logLevel = checkLogLevel(orDefault(options.logLevel, "warn"));
    this.logger = options.logger === undefined
      ? (this.logLevel === "warn" ? defaultLogger() : levelFiltered(console, this.logLevel))
      : levelFiltered(checkLogger(options.logger), this.logLevel);
    const denied: string[] = [];
    const noteDenied = (variable: string) => void denied.push(variable);
    // The configured location is checked even when the environment overrides it (as spectator-py does), so a
    // typo cannot hide behind SPECTATOR_OUTPUT_LOCATION=memory in tests and surface in production.
    const configured = orDefault(options.location, DEFAULT_LOCATION);
    const configuredTarget = parseLocation(configured, "location");
    const override = platform().readEnv("SPECTATOR_OUTPUT_LOCATION", noteDenied);
    this.location = override ?? configured;
    this.target = override === undefined ? configuredTarget : parseLocation(override, "SPECTATOR_OUTPUT_LOCATION");
    const extra: unknown = options.extraCommonTags;
    if (extra !== undefined && (extra === null || typeof extra !== "object" || Array.isArray(extra))) {
      throw new TypeError(
        `Cannot create Config: extraCommonTags must be an object of tag keys to values such as { "nf.app": "web" }: ` +
          `received ${describeValue(extra)}`,
      );
    }
    this.extraCommonTags = Object.freeze(commonTags(options.extraCommonTags, this.logger, noteDenied));
    reportDenied(denied, this.target, this.logger);
    this.bufferSize = check.integer(
      "bufferSize",
      orDefault(options.bufferSize, DEFAULT_BUFFER_SIZE),
      0,
      MAX_BUFFER_SIZE,
    );
    this.flushIntervalMs = check.integer(
      "flushIntervalMs",
      orDefault(options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS),
      1,
      MAX_DELAY_MS,
    );
    this.maxDatagramBytes = check.integer(
      "maxDatagramBytes",
      orDefault(options.maxDatagramBytes, DEFAULT_MAX_DATAGRAM_BYTES),
      512,
      MAX_DATAGRAM_BYTES,
    );
    this.maxPendingBytes = check.integer(
      "maxPendingBytes",
      orDefault(options.maxPendingBytes, DEFAULT_MAX_PENDING_BYTES),
      this.maxDatagramBytes,
      MAX_PENDING_BYTES,
    );
    this.ffi = check.boolean("ffi", orDefault(options.ffi, true));
    this.unixFfi = check.boolean("unixFfi", orDefault(options.unixFfi, true)) && this.ffi;
    if (options.transport !== undefined && typeof options.transport !== "function") {
      throw new TypeError(`Cannot create Config: transport must be a function: received ${typeof options.transport}`);
    }
    this.transport = options.transport;
    this.aggregateIntervalMs = checkAggregate(options.aggregate);
    this.meterCacheSize = check.integer(
      "meterCacheSize",
      orDefault(options.meterCacheSize, DEFAULT_METER_CACHE_SIZE),
      0,
      10_000_000,
    );
    this.fold = check.boolean("fold", orDefault(options.fold, true));
  }
}

function commonTags(
  configured: Record<string, string> | undefined,
  logger: Logger,
  noteDenied: (variable: string) => void,
): Record<string, string> {
  const tags = new MeterId("config", configured ?? {}, { logger }).tags();
  for (const [tag, variable] of ENV_COMMON_TAGS) {
    const value = stripLikePython(platform().readEnv(variable, noteDenied));
    if (value) tags[tag] = value;
  }
  return tags;
}

/**
 * Reports in one message, once per process, the environment variables that Deno would not let the library read: a
 * warning, except where lines stay in memory or go nowhere (tests, metrics turned off), which only debug logging tells.
 */
function reportDenied(variables: readonly string[], target: Location, logger: Logger): void {
  if (variables.length === 0) return;
  const quiet = target.kind === "memory" || target.kind === "none";
  if (!deniedVariables.first(`${quiet ? "debug" : "warn"}|${variables.join(",")}`)) return;
  const names = variables.length === 1 ? variables[0] : `${variables.slice(0, -1).join(", ")} and ${variables.at(-1)}`;
  const message = `spectator.config: cannot read ${names}: run Deno with --allow-env=${variables.join(",")} to use ${
    variables.length === 1 ? "it" : "them"
  }`;
  if (quiet) logger.debug(message);
  else logger.warn(message);
}

/**
 * The characters Python's `str.strip()` removes (those of `str.isspace()`): JavaScript's `trim()` also removes U+FEFF
 * and keeps U+001C-U+001F and U+0085.
 */
const PYTHON_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PYTHON_STRIP = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, "g");

/** `value` without leading and trailing white space, as spectator-py's `value.strip()` leaves it. */
function stripLikePython(value: string | undefined): string | undefined {
  return value?.replace(PYTHON_STRIP, "");
}

/** The option's value, or `fallback` when it is absent; `null` is a value (and fails its check). */
function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function checkAggregate(aggregate: unknown): number | undefined {
  if (aggregate === undefined) return undefined;
  if (aggregate === null || typeof aggregate !== "object") {
    throw new TypeError(
      `Cannot create Config: aggregate must be an object such as { intervalMs: 1000 }: received ${
        describeValue(aggregate)
      }`,
    );
  }
  return check.integer("aggregate.intervalMs", (aggregate as { intervalMs?: unknown }).intervalMs, 100, 60_000);
}

function checkLogLevel(level: unknown): LogLevel {
  if (LOG_LEVELS.includes(level as LogLevel)) return level as LogLevel;
  throw new TypeError(
    `Cannot create Config: logLevel must be one of ${LOG_LEVELS.map((l) => `"${l}"`).join(", ")}: received ${
      describeValue(level)
    }`,
  );
}

function checkLogger(logger: unknown): Logger {
  const methods = ["debug", "info", "warn", "error"] as const;
  const missing = methods.filter((m) => typeof (logger as Record<string, unknown> | null)?.[m] !== "function");
  if (missing.length === 0) return logger as Logger;
  throw new TypeError(
    `Cannot create Config: logger must have the methods debug, info, warn and error: missing ${missing.join(", ")}`,
  );
}
