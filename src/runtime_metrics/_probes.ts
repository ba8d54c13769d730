/**
 * Feature-detected reads of the running process that use only globals (no
 * native code, no `node:` import): the runtime's tags, memory, CPU time and
 * event-loop utilization. Each returns `undefined` where the runtime lacks
 * the API.
 *
 * @module
 */

import { platform, type RuntimeName } from "../_platform.ts";

/** Memory use in bytes, as `process.memoryUsage()` reports it. */
export interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

/** CPU time used by the process, in microseconds. */
export interface CpuSample {
  user: number;
  system: number;
}

/** Cumulative event-loop idle and active time, in milliseconds. */
export interface LoopSample {
  idle: number;
  active: number;
  utilization: number;
}

interface ProcessLike {
  memoryUsage?: () => MemorySample;
  cpuUsage?: () => CpuSample;
  version?: string;
  versions?: Record<string, string | undefined>;
}

interface DenoLike {
  memoryUsage?: () => MemorySample;
  version?: { deno?: string };
}

const g = globalThis as unknown as {
  process?: ProcessLike;
  Deno?: DenoLike;
  Bun?: { version?: string };
  performance?: { eventLoopUtilization?: (a?: LoopSample, b?: LoopSample) => LoopSample };
};

/** The tags of every runtime meter. */
export interface RuntimeTags {
  /** `deno`, `bun`, `node` or `other`. */
  runtime: string;
  /** The runtime's own version, e.g. `2.9.6` on Deno. */
  "runtime.version": string;
  /**
   * `process.version`, as spectator's Node.js metrics tag every meter: Node's
   * version on Node, the Node.js version Bun and Deno are compatible with on
   * those (e.g. `v26.3.0`).
   */
  "nodejs.version": string;
}

/**
 * The runtime's name and version, and the Node.js version it reports.
 *
 * @returns the tags; a version the runtime does not report is `unknown`
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { runtimeTags } from "./_probes.ts";
 *
 * // e.g. { runtime: "node", "runtime.version": "20.20.2", "nodejs.version": "v20.20.2" }
 * deepStrictEqual(Object.keys(runtimeTags()), ["runtime", "runtime.version", "nodejs.version"]);
 * ```
 */
export function runtimeTags(): RuntimeTags {
  const runtime: RuntimeName = platform().runtime;
  let version: string | undefined;
  if (runtime === "deno") version = g.Deno?.version?.deno;
  else if (runtime === "bun") version = g.Bun?.version;
  else if (runtime === "node") version = g.process?.versions?.node;
  return { runtime, "runtime.version": version || "unknown", "nodejs.version": g.process?.version || "unknown" };
}

/** Reads memory use: `Deno.memoryUsage()` on Deno, `process.memoryUsage()` elsewhere. */
export function readMemory(): MemorySample | undefined {
  const source = platform().runtime === "deno" ? g.Deno : g.process;
  const read = source?.memoryUsage;
  return typeof read === "function" ? read.call(source) : undefined;
}

/** Reads the process's cumulative CPU time from `process.cpuUsage()`. */
export function readCpu(): CpuSample | undefined {
  const read = g.process?.cpuUsage;
  return typeof read === "function" ? read.call(g.process) : undefined;
}

/** Reads cumulative event-loop utilization, where `performance.eventLoopUtilization` exists. */
export function readLoop(): LoopSample | undefined {
  const read = g.performance?.eventLoopUtilization;
  return typeof read === "function" ? read.call(g.performance) : undefined;
}

/** Event-loop utilization between two cumulative samples, 0..1. */
export function loopUtilization(current: LoopSample, previous: LoopSample): number {
  const active = current.active - previous.active;
  const idle = current.idle - previous.idle;
  const total = active + idle;
  return total > 0 ? active / total : 0;
}
