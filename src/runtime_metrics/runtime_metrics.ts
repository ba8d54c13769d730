/**
 * Runtime metrics: memory, CPU, V8 heap, event loop, garbage collection and
 * file descriptors of the running process, on unref'd timers, reported under
 * the names of Netflix's Node.js runtime metrics (`nodejs.*`).
 *
 * @module
 */

import { describeValue } from "../meter_id.ts";
import { watchLag, watchLoopTime } from "./_event_loop.ts";
import { type FdReaders, loadFdReaders } from "./_fds.ts";
import { GcAccounting } from "./_gc_accounting.ts";
import { type GcEvent, profileGc } from "./_gc_profiler.ts";
import { heapReader, type HeapReading } from "./_heap.ts";
import {
  type CpuSample,
  type LoopSample,
  loopUtilization,
  readCpu,
  readLoop,
  readMemory,
  runtimeTags,
} from "./_probes.ts";
import { quietly, repeat } from "./_schedule.ts";
import { loadV8 } from "./_v8.ts";

/**
 * The part of a `Registry` that runtime metrics use: a `Registry` from
 * `@spectator/client` is one.
 *
 * @example
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 * import type { RuntimeMetricsRegistry } from "@spectator/client/runtime-metrics";
 *
 * const registry: RuntimeMetricsRegistry = new Registry(new Config({ location: "memory" }));
 * ```
 */
export interface RuntimeMetricsRegistry {
  /** Returns the gauge `name` with `tags`. */
  gauge(name: string, tags?: Record<string, string>): RuntimeGauge;
  /** Returns the counter `name` with `tags`. */
  counter(name: string, tags?: Record<string, string>): RuntimeCounter;
  /** Returns the timer `name` with `tags`. */
  timer(name: string, tags?: Record<string, string>): RuntimeTimer;
}

/** A gauge as runtime metrics use it. */
export interface RuntimeGauge {
  /** Sets the gauge to `value`. */
  set(value: number): void;
}

/** A counter as runtime metrics use it. */
export interface RuntimeCounter {
  /** Adds `delta`. */
  increment(delta: number): void;
}

/** A timer as runtime metrics use it. */
export interface RuntimeTimer {
  /** Records a duration of `seconds`. */
  record(seconds: number): void;
}

/** Options for {@linkcode startRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /**
   * Milliseconds between samples of memory, CPU, heap, event-loop utilization
   * and file descriptors; default 60000, the period of spectator's Node.js
   * metrics. A positive finite number. Event-loop lag and turn time and GC
   * have their own periods.
   */
  intervalMs?: number;
  /** Tags added to every runtime meter, after `runtime`, `runtime.version` and `nodejs.version`. */
  tags?: Record<string, string>;
}

/**
 * What {@linkcode startRuntimeMetrics} returns: stops the sampling. Also
 * `Disposable`, so `using` stops it at the end of a scope.
 */
export interface RuntimeMetrics extends Disposable {
  /** Stops every timer and the GC profiler; no runtime meter is updated afterwards. Idempotent. */
  stop(): void;
  /** The same as {@linkcode RuntimeMetrics.stop}. */
  [Symbol.dispose](): void;
}

/** The default sampling period, in milliseconds. */
export const DEFAULT_RUNTIME_METRICS_INTERVAL_MS = 60_000;

/** The periods of the metrics on their own timers, in milliseconds. */
export interface RuntimeMetricsPeriods {
  /** The event-loop lag timer's period. */
  lagMs: number;
  /** How often one event-loop turn is timed. */
  loopMs: number;
  /** How often the GC profiler's records are delivered. */
  gcMs: number;
}

/**
 * The periods of spectator's Node.js metrics: lag every second, a loop turn
 * twice a second, GC records every second.
 */
export const REFERENCE_PERIODS: Readonly<RuntimeMetricsPeriods> = { lagMs: 1000, loopMs: 500, gcMs: 1000 };

/**
 * Starts reporting the runtime metrics of this process to `registry`: memory,
 * CPU, heap and file descriptors every `intervalMs` (default 60 s), event-loop
 * lag every second, one event-loop turn twice a second and GC as it happens,
 * on timers that never keep the process alive. Metrics a runtime cannot
 * observe are skipped; sampling never throws. See the README's "Runtime
 * metrics" section for the list.
 *
 * @param registry the registry the meters are written to
 * @param options the sampling interval and extra tags
 * @returns a handle whose `stop()` (or `using`) ends the sampling
 * @throws {RangeError} when `intervalMs` is not a positive finite number
 *
 * @example Report runtime metrics while the program runs
 * ```ts
 * import { Registry } from "@spectator/client";
 * import { startRuntimeMetrics } from "@spectator/client/runtime-metrics";
 *
 * const registry = new Registry();
 * const metrics = startRuntimeMetrics(registry); // nodejs.rss, nodejs.cpuUsage, ...
 * // ... the program's work ...
 * metrics.stop();
 * await registry.close();
 * ```
 *
 * @example Sample every 5 seconds until the end of a scope
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 * import { startRuntimeMetrics } from "@spectator/client/runtime-metrics";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * {
 *   using _metrics = startRuntimeMetrics(registry, { intervalMs: 5_000 });
 * }
 * ```
 */
export function startRuntimeMetrics(
  registry: RuntimeMetricsRegistry,
  options: RuntimeMetricsOptions = {},
): RuntimeMetrics {
  return startRuntimeMetricsWithPeriods(registry, options, REFERENCE_PERIODS);
}

/**
 * {@linkcode startRuntimeMetrics} with other periods for the metrics on their
 * own timers; not part of the public entry point (tests use short periods).
 *
 * @param registry the registry the meters are written to
 * @param options the sampling interval and extra tags
 * @param periods the lag, loop-turn and GC periods
 * @returns a handle whose `stop()` (or `using`) ends the sampling
 * @throws {RangeError} when `intervalMs` is not a positive finite number
 *
 * @example Time the event loop every 50 ms
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 * import { REFERENCE_PERIODS, startRuntimeMetricsWithPeriods } from "./runtime_metrics.ts";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * using _metrics = startRuntimeMetricsWithPeriods(registry, {}, { ...REFERENCE_PERIODS, loopMs: 50 });
 * ```
 */
export function startRuntimeMetricsWithPeriods(
  registry: RuntimeMetricsRegistry,
  options: RuntimeMetricsOptions,
  periods: RuntimeMetricsPeriods,
): RuntimeMetrics {
  const intervalMs = options.intervalMs ?? DEFAULT_RUNTIME_METRICS_INTERVAL_MS;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `Cannot start runtime metrics: intervalMs must be a positive finite number: received ${
        describeValue(intervalMs)
      }`,
    );
  }
  const base = { ...runtimeTags(), ...options.tags };
  const meters = new Map<string, unknown>();
  /** The meter under `key`, created once. */
  const cached = <M>(key: string, create: () => M): M => {
    if (!meters.has(key)) meters.set(key, create());
    return meters.get(key) as M;
  };
  const tagsWith = (id?: string) => id === undefined ? base : { ...base, id };
  const gauge = (name: string, id?: string) => cached(`g:${name}:${id}`, () => registry.gauge(name, tagsWith(id)));
  const counter = (name: string) => cached(`c:${name}`, () => registry.counter(name, base));
  const timer = (name: string, id?: string) => cached(`t:${name}:${id}`, () => registry.timer(name, tagsWith(id)));
  const setGauge = (name: string, value: number, id?: string) => {
    if (Number.isFinite(value)) gauge(name, id).set(value);
  };

  let stopped = false;
  const stops: (() => void)[] = [];
  let fds: FdReaders = {};
  let readHeap: (() => HeapReading[]) | undefined;
  const gc = new GcAccounting();

  let lastTick = performance.now();
  let lastCpu: CpuSample | undefined;
  let lastLoop: LoopSample | undefined;
  quietly(() => lastCpu = readCpu());
  quietly(() => lastLoop = readLoop());

  const sample = () => {
    const now = performance.now();
    const elapsedMs = now - lastTick;
    lastTick = now;
    quietly(() => {
      const memory = readMemory();
      if (memory === undefined) return;
      setGauge("nodejs.rss", memory.rss);
      setGauge("nodejs.heapTotal", memory.heapTotal);
      setGauge("nodejs.heapUsed", memory.heapUsed);
      setGauge("nodejs.external", memory.external);
    });
    quietly(() => {
      const cpu = readCpu();
      if (cpu === undefined) return;
      if (lastCpu !== undefined && elapsedMs > 0) {
        const elapsedMicros = elapsedMs * 1000;
        setGauge("nodejs.cpuUsage", Math.max(0, cpu.user - lastCpu.user) / elapsedMicros * 100, "user");
        setGauge("nodejs.cpuUsage", Math.max(0, cpu.system - lastCpu.system) / elapsedMicros * 100, "system");
      }
      lastCpu = cpu;
    });
    quietly(() => {
      const loop = readLoop();
      if (loop === undefined) return;
      if (lastLoop !== undefined) setGauge("nodejs.eventLoopUtilization", loopUtilization(loop, lastLoop) * 100);
      lastLoop = loop;
    });
    quietly(() => {
      if (fds.open !== undefined) setGauge("openFileDescriptorsCount", fds.open());
    });
    quietly(() => {
      const max = fds.max?.();
      if (max !== undefined) setGauge("maxFileDescriptorsCount", max);
    });
    quietly(() => {
      for (const { name, id, value } of readHeap?.() ?? []) setGauge(name, value, id);
    });
  };

  const onGc = (event: GcEvent) => {
    if (stopped) return;
    timer("nodejs.gc.pause", event.kind).record(event.seconds);
    if (event.heapSizeLimit !== undefined) setGauge("nodejs.gc.maxDataSize", event.heapSizeLimit);
    const update = gc.account(event);
    if (update.promoted !== undefined) counter("nodejs.gc.promotionRate").increment(update.promoted);
    if (update.liveDataSize !== undefined) setGauge("nodejs.gc.liveDataSize", update.liveDataSize);
    if (update.allocated !== undefined) counter("nodejs.gc.allocationRate").increment(update.allocated);
  };

  stops.push(
    repeat(sample, intervalMs),
    watchLag(periods.lagMs, (seconds) => timer("nodejs.eventLoopLag").record(seconds)),
    watchLoopTime(periods.loopMs, (seconds) => timer("nodejs.eventLoop").record(seconds)),
  );
  loadV8().then((v8) => {
    if (stopped) return;
    fds = loadFdReaders();
    readHeap = heapReader(v8);
    const stopGc = profileGc(v8, periods.gcMs, onGc);
    if (stopGc !== undefined) stops.push(stopGc);
  }).catch(() => {});

  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const stopOne of stops) quietly(stopOne);
    fds = {};
    readHeap = undefined;
  };
  return { stop, [Symbol.dispose]: stop };
}
