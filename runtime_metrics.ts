/**
 * Runtime metrics for Deno, Bun and Node, without native code: memory, CPU,
 * event-loop lag and utilization, garbage-collection pauses and open file
 * descriptors, reported under the names of Netflix's Node.js runtime metrics
 * (`nodejs.rss`, `nodejs.cpuUsage`, `nodejs.gc.pause`, ...) and tagged with
 * `runtime` and `runtime.version`. Nothing starts at import; sampling runs on
 * a timer that never keeps the process alive.
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
  type RuntimeGauge,
  type RuntimeMetrics,
  type RuntimeMetricsOptions,
  type RuntimeMetricsRegistry,
  type RuntimeTimer,
  startRuntimeMetrics,
} from "./src/runtime_metrics/runtime_metrics.ts";
