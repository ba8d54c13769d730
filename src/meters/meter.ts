/**
 * What every meter shares: its id, its writer, its pre-built line prefix,
 * and the value checks of the protocol.
 *
 * @module
 */

import { defaultLogger, type Logger } from "../logger.ts";
import { capText, describeValue, invalidNameProblem, MeterId, safeString } from "../meter_id.ts";
import { OnceSet } from "../_once_set.ts";
import { RateLimiter } from "../_rate_limiter.ts";
import { NoopWriter } from "../writers/noop_writer.ts";
import { valueText } from "../writers/_ascii_value.ts";
import { type EncodedPrefix, encodePrefix, foldTable, valuePath } from "../writers/_value_path.ts";
import type { Writer } from "../writers/writer.ts";
import type { Aggregation, Aggregator } from "../aggregator.ts";

/** One warning per meter id and minute about values of the wrong type. */
const invalidValueWarnings = new RateLimiter(60_000);
/** One warning per meter id and minute about a writer that throws. */
const writerFailures = new RateLimiter(60_000);
/** Per writer, the meters already reported as writing nothing: each problem is reported once per writer. */
const reportedProblems = new WeakMap<Writer, OnceSet>();

/**
 * The base of every meter: it owns the line prefix `<symbol>:<id>:`, built
 * once, so an update only formats its value. Updates never throw.
 *
 * @example Read a meter's id and writer
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const counter = registry.counter("requests");
 * strictEqual(counter.id().name(), "requests");
 * strictEqual(counter.writer(), registry.writer());
 * ```
 */
export abstract class Meter {
  readonly #id: MeterId;
  readonly #writer: Writer;
  readonly #prefix: EncodedPrefix;
  /** Delivers a checked value: chosen once, at construction (fast path, plain write, folding or aggregation). */
  readonly #emit: (value: number | string) => void;

  /**
   * Builds the meter; registries do this for you (see the registry's factories).
   *
   * @param id the meter's id
   * @param writer where lines go; nowhere when omitted
   * @param symbol the protocol symbol, e.g. `c` or `g,120`
   * @param options pre-aggregation, when the registry has it
   * @param aggregation how this meter type combines updates when aggregated or folded; `undefined` sends every update
   */
  protected constructor(
    id: MeterId,
    writer: Writer | undefined,
    symbol: string,
    options: MeterOptions = {},
    aggregation?: Aggregation,
  ) {
    this.#writer = writer ?? new NoopWriter();
    const problem = !(id instanceof MeterId)
      ? `expected a MeterId, received ${describeValue(id)}; its updates are dropped`
      : invalidNameProblem(id)?.concat("; its meters write nothing");
    this.#id = id instanceof MeterId ? id : new MeterId("");
    this.#prefix = encodePrefix(`${symbol}:${this.#id.spectatordId}:`);
    if (problem !== undefined) {
      reportOnce(this.#writer, `spectator.meter: ${problem}`);
      this.#emit = dropValue;
      return;
    }
    const emit = directEmitter(this.#writer, this.#prefix);
    if (aggregation === undefined) {
      this.#emit = emit;
    } else if (options.aggregator !== undefined) {
      this.#emit = options.aggregator.updater(this.#writer, this.#prefix.text, aggregation, emit);
    } else {
      // A writer that folds (a LineWriter) combines the updates of one id until its lines leave.
      this.#emit = foldTable(this.#writer)?.updater(this.#prefix.text, aggregation, emit, this.#prefix) ?? emit;
    }
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
    if (value > 0 && value !== Infinity) this.#emit(value);
  }

  /** Writes `value` when it is a finite number of zero or more. */
  protected writeNonNegative(value: unknown): void {
    if (typeof value !== "number") return this.rejectType(value);
    if (value >= 0 && value !== Infinity) this.#emit(value);
  }

  /** Writes any number, `NaN` and infinities included. */
  protected writeNumber(value: unknown): void {
    if (typeof value !== "number") return this.rejectType(value);
    this.#emit(value);
  }

  /** Writes an already formatted ASCII value, such as a bigint's digits. */
  protected writeFormatted(value: string): void {
    this.#emit(value);
  }

  /** Drops a value of the wrong type with a rate-limited warning. */
  protected rejectType(value: unknown, expected = "a number"): void {
    if (invalidValueWarnings.take(this.#prefix.text) === undefined) return;
    warnFor(
      this.#writer,
      `spectator.meter: dropped a value of type ${typeof value} for ${
        capText(this.#prefix.text.slice(0, -1))
      }: expected ${expected}`,
    );
  }
}

/**
 * Options every meter constructor takes after its writer (and, for gauges,
 * the TTL).
 *
 * @example Aggregate a counter built by hand
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Aggregator, Counter, MemoryWriter, MeterId } from "@spectator/client";
 *
 * const aggregator = new Aggregator(1000);
 * const writer = new MemoryWriter();
 * const counter = new Counter(new MeterId("requests"), writer, { aggregator });
 * counter.increment();
 * counter.increment();
 * aggregator.close();
 * deepStrictEqual(writer.get(), ["c:requests:2"]);
 * ```
 */
export interface MeterOptions {
  /** Combines updates per id and interval (counters, gauges, max gauges, monotonic counters, age gauges). */
  aggregator?: Aggregator;
}

function dropValue(_value: number | string): void {}

/** The writer's fast path when it has one, else `write(prefix + value)`. */
function directEmitter(writer: Writer, prefix: EncodedPrefix): (value: number | string) => void {
  const text = prefix.text;
  const fail = (error: unknown) => {
    if (writerFailures.take(text) === undefined) return;
    warnFor(
      writer,
      `spectator.meter: the writer threw for ${capText(text.slice(0, -1))}: ${capText(safeString(error))}`,
    );
  };
  // A writer of the user's own that throws must not make the update throw.
  const writeValue = valuePath(writer);
  if (writeValue !== undefined) {
    return (value) => {
      try {
        writeValue(prefix, value);
      } catch (error) {
        fail(error);
      }
    };
  }
  return (value) => {
    try {
      writer.write(text + valueText(value));
    } catch (error) {
      fail(error);
    }
  };
}

/** Warns once per writer with `message`. */
function reportOnce(writer: Writer, message: string): void {
  let reported = reportedProblems.get(writer);
  if (reported === undefined) reportedProblems.set(writer, reported = new OnceSet(1000));
  if (reported.first(message)) warnFor(writer, message);
}

/** Warns through the writer's logger when it has one, the default logger otherwise; never throws. */
export function warnFor(writer: Writer | undefined, message: string): void {
  try {
    const logger: Logger = (writer as { logger?: Logger } | undefined)?.logger ?? defaultLogger();
    logger.warn(message);
  } catch {
    // A writer of the user's own whose logger throws: the update that warned must not fail for it.
  }
}
