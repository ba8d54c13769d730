/**
 * What every meter shares: its id, its writer, its pre-built line prefix,
 * and the value checks of the protocol.
 *
 * @module
 */

import { defaultLogger, type Logger } from "../logger.ts";
import type { MeterId } from "../meter_id.ts";
import { RateLimiter } from "../rate_limiter.ts";
import { NoopWriter } from "../writers/noop_writer.ts";
import type { Writer } from "../writers/writer.ts";

/** One warning per meter id and minute about values of the wrong type. */
const invalidValueWarnings = new RateLimiter(60_000);

/**
 * The base of every meter: it owns the line prefix `<symbol>:<id>:`, built
 * once, so an update only formats its value. Updates never throw.
 *
 * @example Read a meter's id and writer
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const counter = registry.counter("requests");
 * counter.id().name(); // "requests"
 * counter.writer() === registry.writer(); // true
 * ```
 */
export abstract class Meter {
  readonly #id: MeterId;
  readonly #writer: Writer;
  readonly #prefix: string;

  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param symbol the protocol's meter type, e.g. `c` or `g,120`
   */
  protected constructor(id: MeterId, writer: Writer | undefined, symbol: string) {
    this.#id = id;
    this.#writer = writer ?? new NoopWriter();
    this.#prefix = `${symbol}:${id.spectatordId}:`;
  }

  /** Returns the meter's id. */
  id(): MeterId {
    return this.#id;
  }

  /** Returns the writer that receives this meter's lines. */
  writer(): Writer {
    return this.#writer;
  }

  /** Writes `value` when it is a finite number above zero. */
  protected writePositive(value: unknown): void {
    if (typeof value !== "number") return this.rejectType(value);
    if (value > 0 && value !== Infinity) this.#writer.write(this.#prefix + value);
  }

  /** Writes `value` when it is a finite number of zero or more. */
  protected writeNonNegative(value: unknown): void {
    if (typeof value !== "number") return this.rejectType(value);
    if (value >= 0 && value !== Infinity) this.#writer.write(this.#prefix + value);
  }

  /** Writes any number, `NaN` and infinities included. */
  protected writeNumber(value: unknown): void {
    if (typeof value !== "number") return this.rejectType(value);
    this.#writer.write(this.#prefix + value);
  }

  /** Writes an already formatted value. */
  protected writeFormatted(value: string): void {
    this.#writer.write(this.#prefix + value);
  }

  /** Drops a value of the wrong type with a rate-limited warning. */
  protected rejectType(value: unknown, expected = "a number"): void {
    if (invalidValueWarnings.take(this.#prefix) === undefined) return;
    warnFor(
      this.#writer,
      `spectator.meter: dropped a value of type ${typeof value} for ${this.#prefix.slice(0, -1)}: expected ${expected}`,
    );
  }
}

/** Warns through the writer's logger when it has one, the default logger otherwise. */
export function warnFor(writer: Writer | undefined, message: string): void {
  const logger: Logger = (writer as { logger?: Logger } | undefined)?.logger ?? defaultLogger();
  logger.warn(message);
}
