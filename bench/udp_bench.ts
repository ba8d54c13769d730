/**
 * UDP benchmark: what a metric update costs when the lines really go out over
 * loopback UDP to a receiver in another process (bench/udp_receiver.mjs), and
 * whether they all arrive. `node bench/run.mjs` runs it on every runtime and
 * prints the comparison; it also runs alone:
 *
 * ```sh
 * deno run -A [--unstable-net] [--deny-ffi] --v8-flags=--expose-gc bench/udp_bench.ts
 * bun bench/udp_bench.ts --client hot-shots
 * node scripts/build_node.mjs && node --expose-gc dist/bench/udp_bench.js --client hot-shots-buffered
 * ```
 *
 * Deno with `--allow-ffi` (part of `-A`) sends through the C library; add
 * `--deny-ffi` to measure its own sockets instead.
 *
 * Options (all optional): `--client spectator|hot-shots|hot-shots-buffered`
 * (default spectator), `--receiver HOST:PORT:CONTROL_PORT` (default: start
 * one with `node`), `--ops N` updates per timed round (50000), `--stretch S`
 * updates per synchronous stretch (1000), `--rounds R` timed rounds (5, after
 * one warm-up round), `--burst B` updates in the burst case (1000000),
 * `--cases hot,tagged,timer,aggregated,burst` (all). It prints progress on
 * stderr and one JSON object with every figure on stdout.
 *
 * A round is `ops / stretch` synchronous stretches of updates, each followed
 * by a turn of the event loop (as in a server that handles one request per
 * turn), so the client batches as it would in an application; the round's
 * time covers the stretches and the turns, not the wait for delivery that
 * follows each round. ns/op is the median over the timed rounds.
 *
 * hot-shots, the StatsD client, is measured on the same cases: its
 * `globalTags` stand in for the tags of a meter made once, per-call tags for
 * a meter made per call, `timing` for a timer, and its `aggregation` option
 * for pre-aggregation. `hot-shots` sends one datagram per metric (its
 * default); `hot-shots-buffered` packs them into 8192-byte datagrams
 * (`maxBufferSize: 8192`).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import process from "node:process";
import { createInterface } from "node:readline";
import { setImmediate, setTimeout as unrefableTimeout } from "node:timers";
import { fileURLToPath } from "node:url";
import { Config, type ConfigOptions, type LineWriter, Registry } from "../mod.ts";
import { argument, integerArgument } from "./_args.ts";
import { platform } from "../src/_platform.ts";

/** The clients this script can measure. */
type ClientKind = "spectator" | "hot-shots" | "hot-shots-buffered";
/** The cases, in the order they run. */
type CaseName = "hot" | "tagged" | "timer" | "aggregated" | "burst";

const CASES: readonly CaseName[] = ["hot", "tagged", "timer", "aggregated", "burst"];
const CLIENTS: readonly ClientKind[] = ["spectator", "hot-shots", "hot-shots-buffered"];
/** The tags of the pre-made meters (hot, timer, aggregated, burst). */
const METER_TAGS = { status: "200", method: "GET" };
/** The tags of the meter made per call. */
const CALL_TAGS = { a: "1", b: "2" };
/** Pre-aggregation interval asked of both clients. */
const AGGREGATE_INTERVAL_MS = 1000;
/** A maxPendingBytes large enough for a whole 1e6-line burst, used only when the default dropped lines. */
const GENEROUS_PENDING_BYTES = 256 * 1024 * 1024;
/** The longest a synchronous burst may run before it stops early. */
const BURST_TIME_LIMIT_MS = 10_000;
/** The longest the burst's lines may take to arrive after it. */
const BURST_DELIVERY_LIMIT_MS = 20_000;
/** The longest a flush() or close() of a client may take. */
const SETTLE_LIMIT_MS = 20_000;
/** How long the script may stay alive after printing its results (a client still busy) before it exits. */
const EXIT_GRACE_MS = 10_000;

/** What the receiver reports: counts since its last reset. */
interface ReceiverStats {
  datagrams: number;
  lines: number;
  bytes: number;
  largest: number;
  valueSum: number;
  kernelDrops: number | null;
  rcvbuf: number;
}

/** One client instance under test: the operations of each case, flush, close and client-side drops. */
interface BenchClient {
  /** Runs `n` updates of the case's kind synchronously. */
  op: (n: number) => void;
  /** Hands everything written so far to the socket. */
  flush: () => Promise<void>;
  /** Flushes and releases the socket. */
  close: () => Promise<void>;
  /** Lines the client itself dropped (spectator), or send errors it reported (hot-shots). */
  drops: () => number;
}

/** The figures for one timed case. */
interface CaseResult {
  status: "ok" | "n/a" | "failed";
  note?: string;
  nsPerOp?: number;
  /** The part of nsPerOp spent inside the synchronous stretches; the rest is the turns (sends, I/O callbacks). */
  syncNsPerOp?: number;
  roundsNsPerOp?: number[];
  /** Updates made in all rounds, warm-up included. */
  ops?: number;
  /** Lines expected at the receiver: `ops`, or undefined when the client aggregates. */
  expectedLines?: number;
  delivered?: ReceiverStats;
  clientDrops?: number;
}

/** The figures for the burst case. */
interface BurstResult {
  status: "ok" | "n/a" | "failed";
  note?: string;
  ops?: number;
  nsPerOp?: number;
  /** From the end of the burst until the receiver had every line (or stopped getting more). */
  deliveryMs?: number;
  /** heapUsed right after the burst minus before it, in MiB, both after a forced GC. */
  heapGrowthMB?: number;
  /** The same for memory outside the JS heap (`external`: ArrayBuffer contents such as pending datagrams). */
  externalGrowthMB?: number;
  /** heapUsed once the lines were delivered minus before the burst. */
  heapRetainedMB?: number;
  rssGrowthMB?: number;
  forcedGc?: boolean;
  clientDrops?: number;
  maxPendingBytes?: number | "default";
  delivered?: ReceiverStats;
  /** The same burst with a generous maxPendingBytes, when the default dropped lines. */
  generous?: BurstResult;
}

// ---------------------------------------------------------------- arguments

const clientKind = (argument("client") ?? "spectator") as ClientKind;
if (!CLIENTS.includes(clientKind)) {
  throw new TypeError(`udp_bench: --client must be one of ${CLIENTS.join(", ")}: received ${clientKind}`);
}
const stretch = integerArgument("udp_bench", "stretch", 1000, 1, 1_000_000);
const opsPerRound = Math.ceil(integerArgument("udp_bench", "ops", 50_000, 1, 100_000_000) / stretch) * stretch;
const rounds = integerArgument("udp_bench", "rounds", 5, 1, 1000);
const warmupRounds = 1;
const burstOps = integerArgument("udp_bench", "burst", 1_000_000, 1, 100_000_000);
const selectedCases = (argument("cases") ?? CASES.join(",")).split(",") as CaseName[];
for (const name of selectedCases) {
  if (!CASES.includes(name)) throw new TypeError(`udp_bench: unknown case ${name}: use ${CASES.join(", ")}`);
}

// ---------------------------------------------------------------- runtime facts

const runtime = platform().runtime;
const globals = globalThis as {
  gc?: () => void;
  Bun?: { gc(force: boolean): void; version: string };
  Deno?: { listenDatagram?: unknown; version: { deno: string } };
};
const runtimeVersion = globals.Bun?.version ?? globals.Deno?.version.deno ?? process.versions.node;
const unstableNet = typeof globals.Deno?.listenDatagram === "function";
/** Deno with --allow-ffi sends UDP through the C library (Config.ffi defaults to true). */
const ffiGranted = runtime === "deno" && Deno.permissions.querySync({ name: "ffi" }).state === "granted";

/** Collects garbage now where the runtime allows it; false when it cannot. */
function forceGc(): boolean {
  if (globals.Bun !== undefined) {
    globals.Bun.gc(true);
    return true;
  }
  if (typeof globals.gc === "function") {
    globals.gc();
    return true;
  }
  return false;
}

function transportName(): string {
  if (clientKind !== "spectator") return "node:dgram (unconnected)";
  if (runtime === "bun") return "Bun.udpSocket";
  if (runtime === "deno" && ffiGranted) return "libc (Deno.dlopen)";
  if (runtime === "deno" && unstableNet) return "Deno.listenDatagram";
  return "node:dgram";
}

/** One event-loop turn: lets queued sends, I/O callbacks and timers run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise`, or `ms`; returns whether it settled in time. */
async function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function progress(message: string): void {
  process.stderr.write(`udp_bench [${clientKind} on ${runtime}${unstableNet ? " --unstable-net" : ""}] ${message}\n`);
}

// ---------------------------------------------------------------- the receiver

/** A line-based connection to the receiver's control port. */
class ReceiverControl {
  readonly host: string;
  readonly port: number;
  readonly #socket: net.Socket;
  readonly #waiting: ((line: string) => void)[] = [];
  readonly #child: ChildProcess | undefined;

  constructor(host: string, port: number, socket: net.Socket, child: ChildProcess | undefined) {
    this.host = host;
    this.port = port;
    this.#socket = socket;
    this.#child = child;
    createInterface({ input: socket }).on("line", (line) => this.#waiting.shift()?.(line));
  }

  /** Connects to a running receiver, `host:port:controlPort`, or starts one with `node`. */
  static async open(address: string | undefined): Promise<ReceiverControl> {
    let child: ChildProcess | undefined;
    let host: string, port: number, controlPort: number;
    if (address === undefined) {
      ({ child, host, port, controlPort } = await startReceiver());
    } else {
      const match = /^(.+):(\d+):(\d+)$/.exec(address);
      if (match === null) {
        throw new TypeError(`udp_bench: --receiver must be HOST:PORT:CONTROL_PORT: received ${address}`);
      }
      [host, port, controlPort] = [match[1].replace(/^\[|\]$/g, ""), Number(match[2]), Number(match[3])];
    }
    const socket = net.connect(controlPort, host);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    return new ReceiverControl(host, port, socket, child);
  }

  /** Sends one command and returns the receiver's answer. */
  request(command: "stats" | "reset"): Promise<ReceiverStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`udp_bench: the receiver did not answer ${command}`)), 10_000);
      this.#waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as ReceiverStats);
      });
      this.#socket.write(`${command}\n`);
    });
  }

  /**
   * Polls until `expected` lines have arrived, or the count stops changing
   * for `quietMs`, or `limitMs` passes; returns the last stats.
   */
  async awaitLines(expected: number | undefined, quietMs = 250, limitMs = 15_000): Promise<ReceiverStats> {
    const start = Date.now();
    let stats = await this.request("stats");
    let changedAt = Date.now();
    while (expected === undefined || stats.lines < expected) {
      const now = Date.now();
      if (now - changedAt >= quietMs || now - start >= limitMs) break;
      await sleep(5);
      const next = await this.request("stats");
      if (next.lines !== stats.lines) changedAt = Date.now();
      stats = next;
    }
    return stats;
  }

  /** Closes the control connection, and the receiver when this script started it. */
  async close(): Promise<void> {
    this.#socket.end();
    this.#socket.destroy();
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.end();
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill();
  }
}

/** Starts bench/udp_receiver.mjs with `node` and reads the address it prints. */
async function startReceiver(): Promise<{ child: ChildProcess; host: string; port: number; controlPort: number }> {
  const candidates = ["./udp_receiver.mjs", "../../bench/udp_receiver.mjs"].map((path) =>
    fileURLToPath(new URL(path, import.meta.url))
  );
  const script = candidates.find((path) => existsSync(path));
  if (script === undefined) throw new Error(`udp_bench: cannot find udp_receiver.mjs in ${candidates.join(" or ")}`);
  const child = spawn("node", [script], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      lines.close();
      resolve(line);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`udp_bench: the receiver exited with ${code}`)));
  });
  const { host, port, controlPort } = JSON.parse(first) as { host: string; port: number; controlPort: number };
  return { child, host, port, controlPort };
}

// ---------------------------------------------------------------- the clients

/** Options for one client instance. */
interface ClientOptions {
  aggregate?: boolean;
  maxPendingBytes?: number;
}

/** A spectator registry whose `op` runs the case; throws when the registry rejects the options. */
function spectatorClient(name: CaseName, receiver: ReceiverControl, options: ClientOptions): BenchClient {
  const host = receiver.host.includes(":") ? `[${receiver.host}]` : receiver.host;
  const configOptions = { location: `udp://${host}:${receiver.port}`, logLevel: "error" } as Record<string, unknown>;
  if (options.maxPendingBytes !== undefined) configOptions.maxPendingBytes = options.maxPendingBytes;
  // Typed loosely so this compiles whether or not Config knows the option yet.
  if (options.aggregate) configOptions.aggregate = { intervalMs: AGGREGATE_INTERVAL_MS };
  const registry = new Registry(new Config(configOptions as ConfigOptions));
  const writer = registry.writer() as LineWriter;
  let i = 0;
  let op: (n: number) => void;
  if (name === "tagged") {
    op = (n) => {
      for (let k = 0; k < n; k++) registry.counter("server.requestCount", CALL_TAGS).increment();
    };
  } else if (name === "timer") {
    const timer = registry.timer("server.requestLatency", METER_TAGS);
    op = (n) => {
      for (let k = 0; k < n; k++) timer.record(0.000123 * (++i & 1023));
    };
  } else {
    const counter = registry.counter("server.requestCount", METER_TAGS);
    op = (n) => {
      for (let k = 0; k < n; k++) counter.increment();
    };
  }
  return {
    op,
    flush: () => registry.flush(),
    close: () => registry.close(),
    drops: () => writer.stats().droppedLines,
  };
}

/** The hot-shots module, loaded on first use so spectator runs never need it. */
type StatsDClass = typeof import("hot-shots").default;
let statsDClass: StatsDClass | undefined;

async function hotShotsClient(name: CaseName, receiver: ReceiverControl, options: ClientOptions): Promise<BenchClient> {
  statsDClass ??= (await import("hot-shots")).default;
  let errors = 0;
  const client = new statsDClass({
    host: receiver.host,
    port: receiver.port,
    protocol: "udp",
    globalTags: name === "tagged" ? {} : METER_TAGS,
    maxBufferSize: clientKind === "hot-shots-buffered" ? 8192 : 0,
    aggregation: options.aggregate ? { flushInterval: AGGREGATE_INTERVAL_MS } : false,
    errorHandler: () => void errors++,
  });
  let i = 0;
  let op: (n: number) => void;
  if (name === "tagged") {
    op = (n) => {
      for (let k = 0; k < n; k++) client.increment("server.requestCount", 1, CALL_TAGS);
    };
  } else if (name === "timer") {
    op = (n) => {
      for (let k = 0; k < n; k++) client.timing("server.requestLatency", 0.123 * (++i & 1023));
    };
  } else {
    op = (n) => {
      for (let k = 0; k < n; k++) client.increment("server.requestCount");
    };
  }
  return {
    op,
    flush: () => new Promise((resolve) => client.flush(() => resolve())),
    close: () => new Promise((resolve) => client.close(() => resolve())),
    drops: () => errors,
  };
}

function newClient(name: CaseName, receiver: ReceiverControl, options: ClientOptions = {}): Promise<BenchClient> {
  if (clientKind === "spectator") return Promise.resolve(spectatorClient(name, receiver, options));
  return hotShotsClient(name, receiver, options);
}

// ---------------------------------------------------------------- the cases

async function timedCase(name: CaseName, receiver: ReceiverControl): Promise<CaseResult> {
  const aggregate = name === "aggregated";
  await receiver.request("reset");
  let client: BenchClient;
  try {
    client = await newClient(name, receiver, { aggregate });
  } catch (error) {
    return { status: "n/a", note: `the client rejects the option: ${(error as Error).message}` };
  }
  const notes: string[] = [];
  const roundsNsPerOp: number[] = [];
  const roundsSyncNsPerOp: number[] = [];
  let ops = 0;
  for (let round = 0; round < warmupRounds + rounds; round++) {
    let sync = 0;
    const start = performance.now();
    for (let done = 0; done < opsPerRound; done += stretch) {
      const stretchStart = performance.now();
      client.op(stretch);
      sync += performance.now() - stretchStart;
      await turn();
    }
    const elapsed = performance.now() - start;
    ops += opsPerRound;
    if (round >= warmupRounds) {
      roundsNsPerOp.push((elapsed * 1e6) / opsPerRound);
      roundsSyncNsPerOp.push((sync * 1e6) / opsPerRound);
    }
    if (!(await settles(client.flush(), SETTLE_LIMIT_MS))) notes.push(`flush() took over ${SETTLE_LIMIT_MS} ms`);
    if (!aggregate) await receiver.awaitLines(ops);
  }
  const clientDrops = client.drops();
  if (!(await settles(client.close(), SETTLE_LIMIT_MS))) notes.push(`close() took over ${SETTLE_LIMIT_MS} ms`);
  // Aggregated lines may wait for the next interval: give them one and a half.
  const delivered = await receiver.awaitLines(
    aggregate ? undefined : ops,
    aggregate ? 1.5 * AGGREGATE_INTERVAL_MS : 250,
  );
  const result: CaseResult = {
    status: "ok",
    nsPerOp: median(roundsNsPerOp),
    syncNsPerOp: median(roundsSyncNsPerOp),
    roundsNsPerOp,
    ops,
    expectedLines: aggregate ? undefined : ops,
    delivered,
    clientDrops,
  };
  if (aggregate && delivered.lines >= ops / 2) {
    result.status = "n/a";
    notes.push(`the option has no effect yet: ${delivered.lines} lines for ${ops} updates`);
  } else if (aggregate && delivered.valueSum !== ops) {
    notes.push(`the aggregated lines add up to ${delivered.valueSum}, not ${ops}`);
  }
  if (notes.length > 0) result.note = notes.join("; ");
  return result;
}

async function burstCase(receiver: ReceiverControl, maxPendingBytes?: number): Promise<BurstResult> {
  const client = await newClient("burst", receiver, { maxPendingBytes });
  // Open the socket first: a burst into a transport still connecting only measures the pending bound.
  client.op(1);
  await client.flush();
  await receiver.awaitLines(1);
  await receiver.request("reset");
  const dropsBefore = client.drops();

  const forcedGc = forceGc();
  const before = process.memoryUsage();
  const start = performance.now();
  let ops = 0;
  while (ops < burstOps && performance.now() - start < BURST_TIME_LIMIT_MS) {
    const block = Math.min(10_000, burstOps - ops);
    client.op(block);
    ops += block;
  }
  const elapsed = performance.now() - start;
  forceGc();
  const after = process.memoryUsage();

  const notes: string[] = [];
  if (ops < burstOps) notes.push(`stopped after ${ops} updates: the burst passed ${BURST_TIME_LIMIT_MS} ms`);
  const flushed = performance.now();
  if (!(await settles(client.flush(), BURST_DELIVERY_LIMIT_MS))) {
    notes.push(`flush() took over ${BURST_DELIVERY_LIMIT_MS} ms`);
  }
  const left = Math.max(500, BURST_DELIVERY_LIMIT_MS - (performance.now() - flushed));
  const delivered = await receiver.awaitLines(ops, 500, left);
  const deliveryMs = performance.now() - flushed;
  if (delivered.lines < ops && deliveryMs >= BURST_DELIVERY_LIMIT_MS) {
    notes.push(`${delivered.lines} of ${ops} lines had arrived after ${BURST_DELIVERY_LIMIT_MS} ms`);
  }
  const clientDrops = client.drops() - dropsBefore;
  forceGc();
  const retained = process.memoryUsage();
  if (!(await settles(client.close(), SETTLE_LIMIT_MS))) notes.push(`close() took over ${SETTLE_LIMIT_MS} ms`);
  const result: BurstResult = {
    status: "ok",
    ops,
    nsPerOp: (elapsed * 1e6) / ops,
    deliveryMs,
    heapGrowthMB: (after.heapUsed - before.heapUsed) / 2 ** 20,
    externalGrowthMB: (after.external - before.external) / 2 ** 20,
    heapRetainedMB: (retained.heapUsed - before.heapUsed) / 2 ** 20,
    rssGrowthMB: (after.rss - before.rss) / 2 ** 20,
    forcedGc,
    clientDrops,
    maxPendingBytes: maxPendingBytes ?? "default",
    delivered,
  };
  if (notes.length > 0) result.note = notes.join("; ");
  return result;
}

/** The harness's own cost: rounds of empty stretches and their event-loop turns, in ns per (absent) update. */
async function harnessCost(): Promise<number> {
  const perRound: number[] = [];
  for (let round = 0; round < warmupRounds + rounds; round++) {
    const start = performance.now();
    for (let done = 0; done < opsPerRound; done += stretch) await turn();
    if (round >= warmupRounds) perRound.push(((performance.now() - start) * 1e6) / opsPerRound);
  }
  return median(perRound);
}

// ---------------------------------------------------------------- main

const receiver = await ReceiverControl.open(argument("receiver"));
const results: Partial<Record<CaseName, CaseResult | BurstResult>> = {};
let harnessNsPerOp: number | undefined;
try {
  harnessNsPerOp = await harnessCost();
  progress(`harness: ${harnessNsPerOp.toFixed(1)} ns/op (an empty stretch of ${stretch} and one turn)`);
  for (const name of selectedCases) {
    const started = Date.now();
    try {
      if (name === "burst") {
        const burst = await burstCase(receiver);
        if (clientKind === "spectator" && (burst.clientDrops ?? 0) > 0) {
          burst.generous = await burstCase(receiver, GENEROUS_PENDING_BYTES);
        }
        results[name] = burst;
      } else {
        results[name] = await timedCase(name, receiver);
      }
    } catch (error) {
      results[name] = { status: "failed", note: (error as Error)?.stack ?? String(error) };
    }
    const result = results[name]!;
    const figure = result.nsPerOp === undefined ? "" : ` ${result.nsPerOp.toFixed(1)} ns/op`;
    progress(
      `${name}: ${result.status}${figure}${result.note ? ` (${result.note})` : ""} in ${Date.now() - started} ms`,
    );
  }
} finally {
  await receiver.close();
}

process.stdout.write(
  `${
    JSON.stringify({
      client: clientKind,
      runtime,
      runtimeVersion,
      unstableNet,
      transport: transportName(),
      forcedGc: globals.Bun !== undefined || typeof globals.gc === "function",
      settings: { opsPerRound, stretch, rounds, warmupRounds, burstOps },
      harnessNsPerOp,
      cases: results,
    })
  }\n`,
);
// A client that is still busy (sends queued in the runtime) must not keep the script alive for long.
unrefableTimeout(() => {
  progress(`still running ${EXIT_GRACE_MS} ms after the results: exiting`);
  process.exit(0);
}, EXIT_GRACE_MS).unref();
