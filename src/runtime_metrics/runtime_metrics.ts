/**
 * Runtime metrics: memory, CPU, event loop, garbage collection and open file
 * descriptors of the running process, sampled on an unref'd timer and
 * reported under the names of Netflix's Node.js runtime metrics (`nodejs.*`).
 *
 * @module
 */

import { unrefTimeout } from "../timers.ts";
import {
  type CpuSample,
  loadFdReader,
  type LoopSample,
  loopUtilization,
  observeGc,
  readCpu,
  readLoop,
  readMemory,
  runtimeTags,
} from "./_probes.ts";

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
  /** Returns the timer `name` with `tags`. */
  timer(name: string, tags?: Record<string, string>): RuntimeTimer;
}

/** A gauge as runtime metrics use it. */
export interface RuntimeGauge {
  /** Sets the gauge to `value`. */
  set(value: number): void;
}

/** A timer as runtime metrics use it. */
export interface RuntimeTimer {
  /** Records a duration of `seconds`. */
  record(seconds: number): void;
}

/** Options for {@linkcode startRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /**
   * Milliseconds between samples; default 60000, the period of spectator's
   * Node.js metrics. A positive finite number.
   */
  intervalMs?: number;
  /** Tags added to every runtime meter, after `runtime` and `runtime.version`. */
  tags?: Record<string, string>;
}

/**
 * What {@linkcode startRuntimeMetrics} returns: stops the sampling. Also
 * `Disposable`, so `using` stops it at the end of a scope.
 */
export interface RuntimeMetrics extends Disposable {
  /** Stops sampling and observing; no runtime meter is updated afterwards. Idempotent. */
  stop(): void;
  /** The same as {@linkcode RuntimeMetrics.stop}. */
  [Symbol.dispose](): void;
}

/** The default sampling period, in milliseconds. */
export const DEFAULT_RUNTIME_METRICS_INTERVAL_MS = 60_000;

/** Runs `action`, swallowing anything it throws: runtime metrics never throw into the application. */
function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // A probe the runtime refuses (a revoked permission, a missing API) is skipped.
  }
}

/**
 * Starts reporting the runtime metrics of this process to `registry`, every
 * `intervalMs` (default 60 s), on a timer that never keeps the process alive.
 * Metrics a runtime cannot observe are skipped; sampling never throws. See the
 * README's "Runtime metrics" section for the list.
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
  const intervalMs = options.intervalMs ?? DEFAULT_RUNTIME_METRICS_INTERVAL_MS;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `Cannot start runtime metrics: intervalMs must be a positive finite number: received ${String(intervalMs)}`,
    );
  }
  const base = { ...runtimeTags(), ...options.tags };
  const tags = (extra: Record<string, string> = {}) => ({ ...base, ...extra });

  const rss = registry.gauge("nodejs.rss", tags());
  const heapTotal = registry.gauge("nodejs.heapTotal", tags());
  const heapUsed = registry.gauge("nodejs.heapUsed", tags());
  const external = registry.gauge("nodejs.external", tags());
  const cpuUser = registry.gauge("nodejs.cpuUsage", tags({ id: "user" }));
  const cpuSystem = registry.gauge("nodejs.cpuUsage", tags({ id: "system" }));
  const loopLag = registry.timer("nodejs.eventLoopLag", tags());
  const loopTime = registry.timer("nodejs.eventLoop", tags());
  const loopUtil = registry.gauge("nodejs.eventLoopUtilization", tags());
  const openFds = registry.gauge("openFileDescriptorsCount", tags());
  const gcTimers = new Map<string, RuntimeTimer>();

  let stopped = false;
  let cancelTimer: (() => void) | undefined;
  let stopGc: (() => void) | undefined;
  let countFds: (() => number) | undefined;

  let lastTick = performance.now();
  let lastCpu: CpuSample | undefined;
  let lastLoop: LoopSample | undefined;
  quietly(() => lastCpu = readCpu());
  quietly(() => lastLoop = readLoop());

  const setGauge = (gauge: RuntimeGauge, value: number) => {
    if (Number.isFinite(value)) gauge.set(value);
  };

  const sample = () => {
    const now = performance.now();
    const elapsedMs = now - lastTick;
    lastTick = now;
    // How late the timer fired: the event loop's delay over this interval.
    quietly(() => loopLag.record(Math.max(0, elapsedMs - intervalMs) / 1000));
    quietly(() => {
      const memory = readMemory();
      if (memory === undefined) return;
      setGauge(rss, memory.rss);
      setGauge(heapTotal, memory.heapTotal);
      setGauge(heapUsed, memory.heapUsed);
      setGauge(external, memory.external);
    });
    quietly(() => {
      const cpu = readCpu();
      if (cpu === undefined) return;
      if (lastCpu !== undefined && elapsedMs > 0) {
        const elapsedMicros = elapsedMs * 1000;
        setGauge(cpuUser, Math.max(0, cpu.user - lastCpu.user) / elapsedMicros * 100);
        setGauge(cpuSystem, Math.max(0, cpu.system - lastCpu.system) / elapsedMicros * 100);
      }
      lastCpu = cpu;
    });
    quietly(() => {
      const loop = readLoop();
      if (loop === undefined) return;
      if (lastLoop !== undefined) setGauge(loopUtil, loopUtilization(loop, lastLoop) * 100);
      lastLoop = loop;
    });
    quietly(() => {
      if (countFds !== undefined) setGauge(openFds, countFds());
    });
    quietly(measureLoopTime);
  };

  // One turn of the event loop: from one check phase to the next (setImmediate),
  // or from one macrotask to the next where setImmediate is missing.
  const measureLoopTime = () => {
    const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
    const record = (start: number) => {
      if (!stopped) quietly(() => loopTime.record((performance.now() - start) / 1000));
    };
    if (typeof immediate === "function") {
      immediate(() => {
        const start = performance.now();
        immediate(() => record(start));
      });
    } else {
      const start = performance.now();
      unrefTimeout(() => record(start), 0);
    }
  };

  const schedule = () => {
    cancelTimer = unrefTimeout(() => {
      if (stopped) return;
      sample();
      schedule();
    }, intervalMs);
  };

  quietly(() => {
    stopGc = observeGc((kind, seconds) => {
      if (stopped) return;
      let timer = gcTimers.get(kind);
      if (timer === undefined) {
        timer = registry.timer("nodejs.gc.pause", tags({ id: kind }));
        gcTimers.set(kind, timer);
      }
      timer.record(seconds);
    });
  });
  loadFdReader().then((reader) => {
    if (!stopped) countFds = reader;
  }, () => {});
  schedule();

  const stop = () => {
    if (stopped) return;
    stopped = true;
    cancelTimer?.();
    quietly(() => stopGc?.());
    countFds = undefined;
  };
  return { stop, [Symbol.dispose]: stop };
}
