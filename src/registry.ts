/**
 * The registry: the entry point that makes ids and meters and owns the
 * writer.
 *
 * @module
 */

import { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { capText, describeMeterId, describeTags, describeValue, MeterId, safeString } from "./meter_id.ts";
import { AgeGauge } from "./meters/age_gauge.ts";
import { Counter } from "./meters/counter.ts";
import { DistributionSummary, PercentileDistributionSummary } from "./meters/dist_summary.ts";
import { Gauge, gaugeType } from "./meters/gauge.ts";
import { MaxGauge } from "./meters/max_gauge.ts";
import { MonotonicCounter } from "./meters/monotonic_counter.ts";
import { MonotonicCounterUint } from "./meters/monotonic_counter_uint.ts";
import { PercentileTimer, Timer } from "./meters/timer.ts";
import { Aggregator } from "./aggregator.ts";
import { atlasLimitProblems } from "./atlas_limits.ts";
import { MeterCache } from "./meter_cache.ts";
import type { MeterOptions } from "./meters/meter.ts";
import { OnceSet } from "./once_set.ts";
import { newWriter } from "./writers/new_writer.ts";
import type { Writer } from "./writers/writer.ts";

/** Ids already warned about for breaking Atlas limits. */
const limitWarnings = new OnceSet(10_000);

/**
 * Makes meters that write to the configured location. Meters made by name
 * get the common tags; the `...WithId` twins use the id as given.
 *
 * @example Count requests and time them
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 *
 * await using registry = new Registry(new Config({ location: "memory" }));
 * registry.counter("server.requestCount", { status: "200" }).increment();
 * registry.timer("server.requestLatency").record(0.012);
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
    const type = "A";
    return (this.#cache.get(type, name, tags) as AgeGauge | undefined) ??
      this.#cache.set(type, name, tags, new AgeGauge(this.newId(name, tags), this.#writer, this.#meterOptions));
  }

  /** Returns an {@linkcode AgeGauge} for `id` as given. */
  ageGaugeWithId(id: MeterId): AgeGauge {
    return new AgeGauge(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode Counter} named `name`. */
  counter(name: string, tags?: Record<string, string>): Counter {
    const type = "c";
    return (this.#cache.get(type, name, tags) as Counter | undefined) ??
      this.#cache.set(type, name, tags, new Counter(this.newId(name, tags), this.#writer, this.#meterOptions));
  }

  /** Returns a {@linkcode Counter} for `id` as given. */
  counterWithId(id: MeterId): Counter {
    return new Counter(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode DistributionSummary} named `name`. */
  distributionSummary(name: string, tags?: Record<string, string>): DistributionSummary {
    const type = "d";
    return (this.#cache.get(type, name, tags) as DistributionSummary | undefined) ??
      this.#cache.set(
        type,
        name,
        tags,
        new DistributionSummary(this.newId(name, tags), this.#writer, this.#meterOptions),
      );
  }

  /** Returns a {@linkcode DistributionSummary} for `id` as given. */
  distributionSummaryWithId(id: MeterId): DistributionSummary {
    return new DistributionSummary(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode Gauge} named `name`, with an optional TTL in seconds. */
  gauge(name: string, tags?: Record<string, string>, ttlSeconds?: number): Gauge {
    const type = gaugeType(ttlSeconds);
    return (this.#cache.get(type, name, tags) as Gauge | undefined) ??
      this.#cache.set(
        type,
        name,
        tags,
        new Gauge(this.newId(name, tags), this.#writer, ttlSeconds, this.#meterOptions),
      );
  }

  /** Returns a {@linkcode Gauge} for `id` as given, with an optional TTL in seconds. */
  gaugeWithId(id: MeterId, ttlSeconds?: number): Gauge {
    return new Gauge(id, this.#writer, ttlSeconds, this.#meterOptions);
  }

  /** Returns a {@linkcode MaxGauge} named `name`. */
  maxGauge(name: string, tags?: Record<string, string>): MaxGauge {
    const type = "m";
    return (this.#cache.get(type, name, tags) as MaxGauge | undefined) ??
      this.#cache.set(type, name, tags, new MaxGauge(this.newId(name, tags), this.#writer, this.#meterOptions));
  }

  /** Returns a {@linkcode MaxGauge} for `id` as given. */
  maxGaugeWithId(id: MeterId): MaxGauge {
    return new MaxGauge(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode MonotonicCounter} named `name`. */
  monotonicCounter(name: string, tags?: Record<string, string>): MonotonicCounter {
    const type = "C";
    return (this.#cache.get(type, name, tags) as MonotonicCounter | undefined) ??
      this.#cache.set(type, name, tags, new MonotonicCounter(this.newId(name, tags), this.#writer, this.#meterOptions));
  }

  /** Returns a {@linkcode MonotonicCounter} for `id` as given. */
  monotonicCounterWithId(id: MeterId): MonotonicCounter {
    return new MonotonicCounter(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode MonotonicCounterUint} named `name`. */
  monotonicCounterUint(name: string, tags?: Record<string, string>): MonotonicCounterUint {
    const type = "U";
    return (this.#cache.get(type, name, tags) as MonotonicCounterUint | undefined) ??
      this.#cache.set(
        type,
        name,
        tags,
        new MonotonicCounterUint(this.newId(name, tags), this.#writer, this.#meterOptions),
      );
  }

  /** Returns a {@linkcode MonotonicCounterUint} for `id` as given. */
  monotonicCounterUintWithId(id: MeterId): MonotonicCounterUint {
    return new MonotonicCounterUint(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode PercentileDistributionSummary} named `name`. */
  pctDistributionSummary(name: string, tags?: Record<string, string>): PercentileDistributionSummary {
    const type = "D";
    return (this.#cache.get(type, name, tags) as PercentileDistributionSummary | undefined) ??
      this.#cache.set(
        type,
        name,
        tags,
        new PercentileDistributionSummary(this.#checkedId(true, name, tags), this.#writer, this.#meterOptions),
      );
  }

  /** Returns a {@linkcode PercentileDistributionSummary} for `id` as given. */
  pctDistributionSummaryWithId(id: MeterId): PercentileDistributionSummary {
    return new PercentileDistributionSummary(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode PercentileTimer} named `name`. */
  pctTimer(name: string, tags?: Record<string, string>): PercentileTimer {
    const type = "T";
    return (this.#cache.get(type, name, tags) as PercentileTimer | undefined) ??
      this.#cache.set(
        type,
        name,
        tags,
        new PercentileTimer(this.#checkedId(true, name, tags), this.#writer, this.#meterOptions),
      );
  }

  /** Returns a {@linkcode PercentileTimer} for `id` as given. */
  pctTimerWithId(id: MeterId): PercentileTimer {
    return new PercentileTimer(id, this.#writer, this.#meterOptions);
  }

  /** Returns a {@linkcode Timer} named `name`. */
  timer(name: string, tags?: Record<string, string>): Timer {
    const type = "t";
    return (this.#cache.get(type, name, tags) as Timer | undefined) ??
      this.#cache.set(type, name, tags, new Timer(this.newId(name, tags), this.#writer, this.#meterOptions));
  }

  /** Returns a {@linkcode Timer} for `id` as given. */
  timerWithId(id: MeterId): Timer {
    return new Timer(id, this.#writer, this.#meterOptions);
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
