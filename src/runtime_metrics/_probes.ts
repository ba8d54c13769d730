/**
 * Feature-detected reads of the running process, one per metric family, that
 * use only globals (no native code, no static `node:` import): memory, CPU
 * time, event-loop utilization, open file descriptors and garbage collection.
 * Each returns `undefined` (or does nothing) where the runtime lacks the API.
 *
 * @module
 */

import { isGranted } from "../permissions.ts";
import { detectRuntime, type RuntimeName } from "../runtime.ts";

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
  versions?: Record<string, string | undefined>;
  platform?: string;
}

interface DenoLike {
  memoryUsage?: () => MemorySample;
  version?: { deno?: string };
  build?: { os?: string };
  readDirSync?: (path: string) => Iterable<unknown>;
}

const g = globalThis as unknown as {
  process?: ProcessLike;
  Deno?: DenoLike;
  Bun?: { version?: string };
  performance?: { eventLoopUtilization?: (a?: LoopSample, b?: LoopSample) => LoopSample };
  PerformanceObserver?: PerformanceObserverLike;
};

/** The runtime's name and version, for the `runtime` and `runtime.version` tags. */
export function runtimeTags(): { runtime: string; "runtime.version": string } {
  const runtime: RuntimeName = detectRuntime();
  let version: string | undefined;
  if (runtime === "deno") version = g.Deno?.version?.deno;
  else if (runtime === "bun") version = g.Bun?.version;
  else if (runtime === "node") version = g.process?.versions?.node;
  return { runtime, "runtime.version": version || "unknown" };
}

/** Reads memory use: `Deno.memoryUsage()` on Deno, `process.memoryUsage()` elsewhere. */
export function readMemory(): MemorySample | undefined {
  const read = detectRuntime() === "deno" ? g.Deno?.memoryUsage : g.process?.memoryUsage;
  if (typeof read !== "function") return undefined;
  return read.call(detectRuntime() === "deno" ? g.Deno : g.process);
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

/** Whether this is Linux, where `/proc/self/fd` lists the open file descriptors. */
function isLinux(): boolean {
  if (detectRuntime() === "deno") return g.Deno?.build?.os === "linux";
  return g.process?.platform === "linux";
}

/** Lists a directory's entries with `node:fs`, loaded by {@linkcode loadFdReader}. */
export type ReadDir = (path: string) => unknown[];

/**
 * Prepares the open-file-descriptor count: resolves to a function that counts
 * the entries of `/proc/self/fd`, or `undefined` off Linux or, on Deno,
 * without read permission for that directory.
 */
export async function loadFdReader(): Promise<(() => number) | undefined> {
  if (!isLinux()) return undefined;
  const path = "/proc/self/fd";
  if (detectRuntime() === "deno") {
    const deno = g.Deno;
    if (typeof deno?.readDirSync !== "function" || !isGranted({ name: "read", path })) return undefined;
    return () => {
      let count = 0;
      for (const _ of deno.readDirSync!(path)) count++;
      return count;
    };
  }
  try {
    const fs = await import("node:fs") as { readdirSync: ReadDir };
    return () => fs.readdirSync(path).length;
  } catch {
    return undefined;
  }
}

interface PerformanceObserverLike {
  new (callback: (list: { getEntries(): GcEntry[] }) => void): { observe(o: object): void; disconnect(): void };
  supportedEntryTypes?: readonly string[];
}

interface GcEntry {
  duration: number;
  kind?: number;
  detail?: { kind?: number };
}

/** V8's GC kinds (perf_hooks `NODE_PERFORMANCE_GC_*`) as spectator's Node metrics name them. */
const GC_KINDS: Record<number, string> = {
  1: "scavenge",
  2: "minorMarkSweep",
  4: "markSweepCompact",
  8: "incrementalMarking",
  16: "processWeakCallbacks",
};

/** The `id` tag of a GC entry's kind. */
export function gcKindName(kind: number | undefined): string {
  return (kind !== undefined && GC_KINDS[kind]) || "unknown";
}

/**
 * Observes garbage collections where `PerformanceObserver` supports entries of
 * type `gc` (Node; Bun where it does), calling `onPause` with each pause's
 * kind and duration in seconds. Returns a function that stops observing, or
 * `undefined` where GC is not observable.
 */
export function observeGc(onPause: (kind: string, seconds: number) => void): (() => void) | undefined {
  const Observer = g.PerformanceObserver;
  if (typeof Observer !== "function" || !Observer.supportedEntryTypes?.includes("gc")) return undefined;
  try {
    const observer = new Observer((list) => {
      for (const entry of list.getEntries()) {
        onPause(gcKindName(entry.detail?.kind ?? entry.kind), entry.duration / 1000);
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    return () => observer.disconnect();
  } catch {
    return undefined;
  }
}
