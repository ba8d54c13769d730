/**
 * Runtime metrics for Deno, Bun and Node, without native code: memory, CPU,
 * V8 heap statistics, event-loop lag, turn time and utilization, garbage
 * collection (pauses, allocation and promotion, live and maximum data size)
 * and file descriptors, reported under the names of Netflix's Node.js runtime
 * metrics (`nodejs.rss`, `nodejs.cpuUsage`, `nodejs.gc.pause`, ...) and tagged
 * with `runtime`, `runtime.version` and `nodejs.version`. Nothing starts at
 * import; sampling runs on timers that never keep the process alive.
 *
 * @example Report runtime metrics every minute
 * ```ts
 * import { Registry } from "@spectator/client";
 * import { startRuntimeMetrics } from "@spectator/client/runtime-metrics";
 *
 * const registry = new Registry();
 * const metrics = startRuntimeMetrics(registry);
 * // ... the program's work ...
 * metrics.stop();
 * await registry.close();
 * ```
 *
 * @module
 */

export {
  DEFAULT_RUNTIME_METRICS_INTERVAL_MS,
  type RuntimeCounter,
  type RuntimeGauge,
  type RuntimeMetrics,
  type RuntimeMetricsOptions,
  type RuntimeMetricsRegistry,
  type RuntimeTimer,
  startRuntimeMetrics,
} from "./src/runtime_metrics/runtime_metrics.ts";
