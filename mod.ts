/**
 * A thin client for Netflix Atlas metrics on Deno, Bun and Node: counters,
 * timers, gauges and distribution summaries written as SpectatorD protocol
 * lines to the local SpectatorD agent over UDP or a Unix datagram socket.
 * A port of spectator-py 1.x, with no runtime dependencies.
 *
 * @example Count requests
 * ```ts
 * import { Registry } from "@spectator/client";
 *
 * const registry = new Registry(); // udp://127.0.0.1:1234, or SPECTATOR_OUTPUT_LOCATION
 * registry.counter("server.requestCount", { status: "200" }).increment();
 * await registry.close();
 * ```
 *
 * @example Test with the memory writer
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Config, type MemoryWriter, parseProtocolLine, Registry } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * registry.gauge("queue.size").set(3);
 * const [symbol, id, value] = parseProtocolLine((registry.writer() as MemoryWriter).lastLine()!);
 * deepStrictEqual([symbol, id.name(), value], ["g", "queue.size", "3"]);
 * ```
 *
 * @module
 */

// Construction: where lines go, and the registry that makes meters.
export { type AggregateOptions, Config, type ConfigOptions } from "./src/config.ts";
export type { Location } from "./src/location.ts";
export { Registry } from "./src/registry.ts";
export { GlobalRegistry } from "./src/global_registry.ts";

// Ids and meters.
export { MeterId, type MeterIdOptions } from "./src/meter_id.ts";
export { Meter, type MeterOptions } from "./src/meters/meter.ts";
export { SampleMeter } from "./src/meters/sample_meter.ts";
export { AgeGauge } from "./src/meters/age_gauge.ts";
export { Counter } from "./src/meters/counter.ts";
export { DistributionSummary, PercentileDistributionSummary } from "./src/meters/dist_summary.ts";
export { Gauge } from "./src/meters/gauge.ts";
export { MaxGauge } from "./src/meters/max_gauge.ts";
export { MonotonicCounter } from "./src/meters/monotonic_counter.ts";
export { MonotonicCounterUint } from "./src/meters/monotonic_counter_uint.ts";
export { PercentileTimer, Timer } from "./src/meters/timer.ts";
export { type Aggregation, Aggregator } from "./src/aggregator.ts";
export { type AtlasLimitOptions, atlasLimitProblems } from "./src/atlas_limits.ts";

// Timing.
export { StopWatch } from "./src/stopwatch.ts";
export { type Clock, ManualClock, SystemClock } from "./src/clock.ts";

// Reading lines back.
export { parseProtocolLine } from "./src/protocol_parser.ts";
export { getMeterClass, type MeterClass } from "./src/meters/meter_classes.ts";

// Logging.
export type { Logger, LogLevel } from "./src/logger.ts";

// Writers.
export type { Writer, WriterOptions } from "./src/writers/writer.ts";
export { MemoryWriter } from "./src/writers/memory_writer.ts";
export { NoopWriter } from "./src/writers/noop_writer.ts";
export { type FileTarget, FileWriter } from "./src/writers/file_writer.ts";
export { LineWriter, type LineWriterOptions, type LineWriterStats } from "./src/writers/line_writer.ts";

// Transports, to replace the runtime's (Config's `transport`).
export {
  type SocketTarget,
  type Transport,
  type TransportContext,
  TransportError,
  type TransportErrorCode,
  type TransportFactory,
} from "./src/transports/transport.ts";
