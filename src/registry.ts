/**
 * The registry: the entry point that makes ids and meters and owns the
 * writer.
 *
 * @module
 */

import { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { capText, describeMeterId, describeTags, describeValue, MeterId, safeString } from "./meter_id.ts";
import type { AgeGauge } from "./meters/age_gauge.ts";
import type { Counter } from "./meters/counter.ts";
import type { DistributionSummary, PercentileDistributionSummary } from "./meters/dist_summary.ts";
import { Gauge, gaugeSymbol } from "./meters/gauge.ts";
import type { MaxGauge } from "./meters/max_gauge.ts";
import type { Meter, MeterOptions } from "./meters/meter.ts";
import { METER_CLASSES, type MeterSymbol } from "./meters/meter_classes.ts";
import type { MonotonicCounter } from "./meters/monotonic_counter.ts";
import type { MonotonicCounterUint } from "./meters/monotonic_counter_uint.ts";
import type { PercentileTimer, Timer } from "./meters/timer.ts";
import { Aggregator } from "./aggregator.ts";
import { atlasLimitProblems } from "./atlas_limits.ts";
import { MeterCache } from "./_meter_cache.ts";
import { OnceSet } from "./_once_set.ts";
import { newWriter } from "./writers/_new_writer.ts";
import type { Writer } from "./writers/writer.ts";

/** The meter a symbol of {@linkcode METER_CLASSES} makes. */
type MeterOf<S extends MeterSymbol> = InstanceType<(typeof METER_CLASSES)[S]>;

/** The meters that publish percentiles: Atlas counts one more tag for them. */
const PERCENTILE_SYMBOLS: ReadonlySet<MeterSymbol> = new Set(["D", "T"]);

/** Ids already warned about for breaking Atlas limits. */
const limitWarnings = new OnceSet(10_000);

/**
 * Makes meters that write to the configured location. Meters made by name
 * get the common tags; the `...WithId` twins use the id as given.
 *
 * @example Count requests and time them
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, type MemoryWriter, Registry } from "@spectator/client";
 *
 * await using registry = new Registry(new Config({ location: "memory" }));
 * registry.counter("server.requestCount", { status: "200" }).increment();
 * registry.timer("server.requestLatency").record(0.012);
 * strictEqual((registry.writer() as MemoryWriter).get().length, 2);
 * ```
 *
 * @example Flush before an explicit exit
 * ```ts
 * import { Registry } from "@spectator/client";
 *
 * const registry = new Registry();
 * registry.counter("job.runs").increment();
 * await registry.close(); // delivers what was written, then releases the socket
 * ```
 */
export class Registry implements AsyncDisposable {
  readonly #config: Config;
  readonly #writer: Writer;
  readonly #logger: Logger;
  readonly #cache: MeterCache;
  readonly #aggregator: Aggregator | undefined;
  readonly #meterOptions: MeterOptions;

  /**
   * Creates the registry and its writer; sockets open on first use.
   *
   * @param config the configuration; `new Config()` when omitted
   * @throws {Error} when the output location cannot be opened (e.g. a missing directory)
   */
  constructor(config: Config = new Config()) {
    if (!(config instanceof Config)) {
      throw new TypeError(`Cannot create Registry: config must be a Config: received ${describeValue(config)}`);
    }
    this.#config = config;
    this.#logger = config.logger;
    this.#writer = newWriter(config);
    this.#cache = new MeterCache(config.meterCacheSize);
    this.#aggregator = config.aggregateIntervalMs === undefined
      ? undefined
      : new Aggregator(config.aggregateIntervalMs);
    this.#meterOptions = { aggregator: this.#aggregator };
    this.#logger.info(
      `spectator.registry: Create Registry with location=${capText(config.location)} extraCommonTags=${
        describeTags(config.extraCommonTags)
      }`,
    );
  }

  /** Returns the configuration this registry was built with. */
  config(): Config {
    return this.#config;
  }

  /** Returns the writer in use: a `MemoryWriter` for location `memory`. */
  writer(): Writer {
    return this.#writer;
  }

  /**
   * Makes an id with the common tags applied (they override user tags of the
   * same key), warning once per id that Atlas would reject.
   */
  newId(name: string, tags: Record<string, string> = {}): MeterId {
    return this.#checkedId(false, name, tags);
  }

  /** {@linkcode newId}, for a meter that publishes percentiles when `percentiles` (one more tag in Atlas). */
  #checkedId(percentiles: boolean, name: string, tags?: Record<string, string>): MeterId {
    const id = new MeterId(name, tags, { logger: this.#logger }).withTags(this.#config.extraCommonTags);
    if (id.name() === "") return id; // its meters write nothing, and say so
    const problems = atlasLimitProblems(id.name(), id.tags(), { percentiles });
    if (problems.length > 0 && limitWarnings.first(id.spectatordId)) {
      this.#logger.warn(`spectator.registry: Atlas will drop ${describeMeterId(id)}: ${problems.join("; ")}`);
    }
    return id;
  }

  /** Returns an {@linkcode AgeGauge} named `name`. */
  ageGauge(name: string, tags?: Record<string, string>): AgeGauge {
    return this.#cached("A", name, tags);
  }

  /** Returns an {@linkcode AgeGauge} for `id` as given. */
  ageGaugeWithId(id: MeterId): AgeGauge {
    return this.#make("A", id);
  }

  /** Returns a {@linkcode Counter} named `name`. */
  counter(name: string, tags?: Record<string, string>): Counter {
    return this.#cached("c", name, tags);
  }

  /** Returns a {@linkcode Counter} for `id` as given. */
  counterWithId(id: MeterId): Counter {
    return this.#make("c", id);
  }

  /** Returns a {@linkcode DistributionSummary} named `name`. */
  distributionSummary(name: string, tags?: Record<string, string>): DistributionSummary {
    return this.#cached("d", name, tags);
  }

  /** Returns a {@linkcode DistributionSummary} for `id` as given. */
  distributionSummaryWithId(id: MeterId): DistributionSummary {
    return this.#make("d", id);
  }

  /** Returns a {@linkcode Gauge} named `name`, with an optional TTL in seconds. */
  gauge(name: string, tags?: Record<string, string>, ttlSeconds?: number | bigint): Gauge {
    return this.#cached("g", name, tags, ttlSeconds);
  }

  /** Returns a {@linkcode Gauge} for `id` as given, with an optional TTL in seconds. */
  gaugeWithId(id: MeterId, ttlSeconds?: number | bigint): Gauge {
    return this.#make("g", id, ttlSeconds);
  }

  /** Returns a {@linkcode MaxGauge} named `name`. */
  maxGauge(name: string, tags?: Record<string, string>): MaxGauge {
    return this.#cached("m", name, tags);
  }

  /** Returns a {@linkcode MaxGauge} for `id` as given. */
  maxGaugeWithId(id: MeterId): MaxGauge {
    return this.#make("m", id);
  }

  /** Returns a {@linkcode MonotonicCounter} named `name`. */
  monotonicCounter(name: string, tags?: Record<string, string>): MonotonicCounter {
    return this.#cached("C", name, tags);
  }

  /** Returns a {@linkcode MonotonicCounter} for `id` as given. */
  monotonicCounterWithId(id: MeterId): MonotonicCounter {
    return this.#make("C", id);
  }

  /** Returns a {@linkcode MonotonicCounterUint} named `name`. */
  monotonicCounterUint(name: string, tags?: Record<string, string>): MonotonicCounterUint {
    return this.#cached("U", name, tags);
  }

  /** Returns a {@linkcode MonotonicCounterUint} for `id` as given. */
  monotonicCounterUintWithId(id: MeterId): MonotonicCounterUint {
    return this.#make("U", id);
  }

  /** Returns a {@linkcode PercentileDistributionSummary} named `name`. */
  pctDistributionSummary(name: string, tags?: Record<string, string>): PercentileDistributionSummary {
    return this.#cached("D", name, tags);
  }

  /** Returns a {@linkcode PercentileDistributionSummary} for `id` as given. */
  pctDistributionSummaryWithId(id: MeterId): PercentileDistributionSummary {
    return this.#make("D", id);
  }

  /** Returns a {@linkcode PercentileTimer} named `name`. */
  pctTimer(name: string, tags?: Record<string, string>): PercentileTimer {
    return this.#cached("T", name, tags);
  }

  /** Returns a {@linkcode PercentileTimer} for `id` as given. */
  pctTimerWithId(id: MeterId): PercentileTimer {
    return this.#make("T", id);
  }

  /** Returns a {@linkcode Timer} named `name`. */
  timer(name: string, tags?: Record<string, string>): Timer {
    return this.#cached("t", name, tags);
  }

  /** Returns a {@linkcode Timer} for `id` as given. */
  timerWithId(id: MeterId): Timer {
    return this.#make("t", id);
  }

  /**
   * The meter of `symbol` named `name` with `tags` and the common tags,
   * from the cache when it holds one (a gauge's cache symbol includes its TTL).
   */
  #cached<S extends MeterSymbol>(
    symbol: S,
    name: string,
    tags: Record<string, string> | undefined,
    ttlSeconds?: number | bigint,
  ): MeterOf<S> {
    const cacheSymbol = symbol === "g" ? gaugeSymbol(ttlSeconds) : symbol;
    const cached = this.#cache.get(cacheSymbol, name, tags) as MeterOf<S> | undefined;
    if (cached !== undefined) return cached;
    const id = this.#checkedId(PERCENTILE_SYMBOLS.has(symbol), name, tags);
    return this.#cache.set(cacheSymbol, name, tags, this.#make(symbol, id, ttlSeconds));
  }

  /** A new meter of `symbol` for `id` as given. */
  #make<S extends MeterSymbol>(symbol: S, id: MeterId, ttlSeconds?: number | bigint): MeterOf<S> {
    if (symbol === "g") return new Gauge(id, this.#writer, ttlSeconds, this.#meterOptions) as MeterOf<S>;
    const MeterClass = METER_CLASSES[symbol] as unknown as new (
      id: MeterId,
      writer: Writer,
      options: MeterOptions,
    ) => MeterOf<S> & Meter;
    return new MeterClass(id, this.#writer, this.#meterOptions);
  }

  /** Writes what pre-aggregation holds, then resolves when everything written so far has been handed to the transport. */
  flush(): Promise<void> {
    this.#aggregator?.flush();
    return this.#writer.flush();
  }

  /** Flushes, then releases sockets and timers. Idempotent; errors are logged, never thrown. */
  async close(): Promise<void> {
    this.#logger.info("spectator.registry: Close Registry Writer");
    try {
      this.#aggregator?.close();
      await this.#writer.close();
    } catch (error) {
      this.#logger.error(`spectator.registry: Error closing Registry Writer: ${capText(safeString(error))}`);
    }
  }

  /** `await using` closes the registry. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
