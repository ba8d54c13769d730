/**
 * UDP benchmark: what a metric update costs when the lines really go out over
 * loopback UDP to a receiver in another process (bench/udp_receiver.mjs), and
 * whether they all arrive. `node bench/run.mjs` runs it on every runtime and
 * prints the comparison; it also runs alone:
 *
 * ```sh
 * deno run -A [--unstable-net] [--deny-ffi] --v8-flags=--expose-gc bench/udp_bench.ts
 * bun bench/udp_bench.ts --client hot-shots
 * SPECTATOR_JS_DIR=/path/to/spectator-js bun bench/udp_bench.ts --client spectator-js
 * node scripts/build_node.mjs && node --expose-gc dist/bench/udp_bench.js --client hot-shots-buffered
 * ```
 *
 * Deno with `--allow-ffi` (part of `-A`) sends through the C library; add
 * `--deny-ffi` to measure its own sockets instead.
 *
 * Options (all optional): `--client spectator|spectator-js|hot-shots|hot-shots-buffered`
 * (default spectator), `--fold on|off` (spectator only: passes `fold` to its
 * Config; a library without the option makes every case "n/a"),
 * `--receiver HOST:PORT:CONTROL_PORT` (default: start one with `node`),
 * `--ops N` updates per timed round (50000), `--stretch S` updates per
 * synchronous stretch (1000), `--rounds R` timed rounds (5, after one warm-up
 * round), `--burst B` updates in the burst case (1000000),
 * `--cases hot,tagged,distinct,timer,aggregated,burst` (all). It prints
 * progress on stderr and one JSON object with every figure on stdout.
 *
 * A round is `ops / stretch` synchronous stretches of updates, each followed
 * by a turn of the event loop (as in a server that handles one request per
 * turn), so the client batches as it would in an application; the round's
 * time covers the stretches and the turns, not the wait for delivery that
 * follows each round. ns/op is the median over the timed rounds.
 *
 * The cases: (hot) one pre-made counter, (tagged) a counter made per call
 * with two tags, (distinct) pre-made counters with a distinct id per update
 * (cycling through more ids than a stretch updates), (timer) a timer,
 * (aggregated) a pre-aggregated counter, (burst) one synchronous burst on the
 * hot counter. The clients are in bench/_client_*.ts.
 *
 * @module
 */

import process from "node:process";
import { setTimeout as unrefableTimeout } from "node:timers";
import { argument, integerArgument } from "./_args.ts";
import {
  AGGREGATE_INTERVAL_MS,
  type BenchClient,
  type CaseName,
  CASES,
  type ClientKind,
  type ClientOptions,
  CLIENTS,
} from "./_bench_client.ts";
import { hotShotsClient } from "./_client_hot_shots.ts";
import { spectatorClient } from "./_client_spectator.ts";
import { spectatorJsBenchClient } from "./_client_spectator_js.ts";
import { ReceiverControl, type ReceiverStats } from "./_receiver_control.ts";
import { canForceGc, forceGc, ourRoute, runtime, runtimeVersion, unstableNet } from "./_runtime.ts";
import { median, settles, turn } from "./_utils.ts";

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
  /** What must arrive, counted by `measure`: `ops`, or undefined when the client aggregates. */
  expected?: number;
  /**
   * How delivery is counted: the values added up for counters (a client that folds repeated updates sends fewer
   * lines carrying the same total), lines for timers.
   */
  measure?: "lines" | "valueSum";
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
const foldArgument = argument("fold");
if (foldArgument !== undefined && (foldArgument !== "on" && foldArgument !== "off" || clientKind !== "spectator")) {
  throw new TypeError(`udp_bench: --fold must be on or off, with --client spectator: received ${foldArgument}`);
}
const fold = foldArgument === undefined ? undefined : foldArgument === "on";
const stretch = integerArgument("udp_bench", "stretch", 1000, 1, 1_000_000);
const opsPerRound = Math.ceil(integerArgument("udp_bench", "ops", 50_000, 1, 100_000_000) / stretch) * stretch;
const rounds = integerArgument("udp_bench", "rounds", 5, 1, 1000);
const warmupRounds = 1;
const burstOps = integerArgument("udp_bench", "burst", 1_000_000, 1, 100_000_000);
const selectedCases = (argument("cases") ?? CASES.join(",")).split(",") as CaseName[];
for (const name of selectedCases) {
  if (!CASES.includes(name)) throw new TypeError(`udp_bench: unknown case ${name}: use ${CASES.join(", ")}`);
}

function transportName(): string {
  if (clientKind === "spectator") return ourRoute("udp");
  if (clientKind === "spectator-js") return "node:dgram (connected), 32 KiB buffer";
  return "node:dgram (unconnected)";
}

function progress(message: string): void {
  process.stderr.write(`udp_bench [${clientKind} on ${runtime}${unstableNet ? " --unstable-net" : ""}] ${message}\n`);
}

function newClient(name: CaseName, receiver: ReceiverControl, options: ClientOptions = {}): Promise<BenchClient> {
  if (clientKind === "spectator") return Promise.resolve(spectatorClient(name, receiver, { ...options, fold }));
  if (clientKind === "spectator-js") return spectatorJsBenchClient(name, receiver, options);
  return hotShotsClient(name, receiver, options, clientKind === "hot-shots-buffered");
}

// ---------------------------------------------------------------- the cases

async function timedCase(name: CaseName, receiver: ReceiverControl): Promise<CaseResult> {
  const aggregate = name === "aggregated";
  const measure = name === "timer" ? "lines" : "valueSum";
  await receiver.request("reset");
  let client: BenchClient;
  try {
    client = await newClient(name, receiver, { aggregate });
  } catch (error) {
    return { status: "n/a", note: (error as Error).message };
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
    if (!aggregate) await receiver.awaitDelivery(ops, { measure });
  }
  const clientDrops = client.drops();
  if (!(await settles(client.close(), SETTLE_LIMIT_MS))) notes.push(`close() took over ${SETTLE_LIMIT_MS} ms`);
  // Aggregated lines may wait for the next interval: give them one and a half.
  const delivered = await receiver.awaitDelivery(aggregate ? undefined : ops, {
    measure,
    quietMs: aggregate ? 1.5 * AGGREGATE_INTERVAL_MS : 250,
  });
  const result: CaseResult = {
    status: "ok",
    nsPerOp: median(roundsNsPerOp),
    syncNsPerOp: median(roundsSyncNsPerOp),
    roundsNsPerOp,
    ops,
    expected: aggregate ? undefined : ops,
    measure,
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
  let client: BenchClient;
  try {
    client = await newClient("burst", receiver, { maxPendingBytes });
  } catch (error) {
    return { status: "n/a", note: (error as Error).message };
  }
  // Open the socket first: a burst into a transport still connecting only measures the pending bound.
  client.op(1);
  await client.flush();
  await receiver.awaitDelivery(1);
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
  const delivered = await receiver.awaitDelivery(ops, { measure: "valueSum", quietMs: 500, limitMs: left });
  const deliveryMs = performance.now() - flushed;
  if (delivered.valueSum < ops && deliveryMs >= BURST_DELIVERY_LIMIT_MS) {
    notes.push(`${delivered.valueSum} of ${ops} increments had arrived after ${BURST_DELIVERY_LIMIT_MS} ms`);
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
      forcedGc: canForceGc,
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
