/**
 * Soak run: a steady mix of traffic for a while against a UDP receiver in
 * another process (bench/udp_receiver.mjs), with an agent restart in the
 * middle (the receiver stopped, then started again on the same port). It
 * prints memory every 5 s, then what was written, sent, dropped by the client,
 * delivered, and dropped by the receiving kernel, and how long delivery took
 * to resume after the restart.
 *
 * ```sh
 * deno run -A bench/soak.ts [--seconds 60]          # or: deno task soak
 * bun bench/soak.ts [--seconds 60]
 * node scripts/build_node.mjs && node dist/bench/soak.js [--seconds 60]   # or: npm run soak
 * ```
 *
 * Options (all optional): `--seconds S` (60), `--updates N` updates per
 * event-loop turn (200), `--turn-ms T` the pause between turns (2), `--down-ms D`
 * how long the receiver stays down (1000). The restart happens at half time.
 * Progress lines go to stdout; the last line is one JSON object with every
 * figure.
 *
 * The traffic per update cycles through: a counter made once, a timer, a
 * gauge, a counter made per call with two tags (from a small set of values),
 * and a counter and a max gauge on a second, pre-aggregating registry
 * (intervalMs 1000).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Config, type LineWriter, Registry } from "../mod.ts";
import { integerArgument } from "./_args.ts";
import { platform } from "../src/_platform.ts";

const seconds = integerArgument("soak", "seconds", 60, 2, 24 * 3600);
const updatesPerTurn = integerArgument("soak", "updates", 200, 1, 1_000_000);
const turnMs = integerArgument("soak", "turn-ms", 2, 0, 1000);
const downMs = integerArgument("soak", "down-ms", 1000, 0, 60_000);
const REPORT_EVERY_MS = 5000;

const runtime = platform().runtime;
const ffi = runtime === "deno" && Deno.permissions.querySync({ name: "ffi" }).state === "granted";
const unstableNet = runtime === "deno" && typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function";
const route = runtime === "bun"
  ? "Bun.udpSocket"
  : runtime === "node"
  ? "node:dgram"
  : ffi
  ? "libc (Deno.dlopen)"
  : unstableNet
  ? "Deno.listenDatagram"
  : "node:dgram";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const MB = 1024 * 1024;
function memory(): { rss: number; heap: number } {
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed + external };
}

// ---------------------------------------------------------------- the receiver

interface ReceiverStats {
  datagrams: number;
  lines: number;
  kernelDrops: number | null;
}

/** bench/udp_receiver.mjs in a child process, asked for its counts over stdin. */
class Receiver {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[];

  private constructor(port: number, child: ChildProcess, lines: Interface, waiting: ((line: string) => void)[]) {
    this.port = port;
    this.#child = child;
    this.#lines = lines;
    this.#waiting = waiting;
  }

  static async start(port: number): Promise<Receiver> {
    const candidates = ["./udp_receiver.mjs", "../../bench/udp_receiver.mjs"].map((path) =>
      fileURLToPath(new URL(path, import.meta.url))
    );
    const script = candidates.find((path) => existsSync(path));
    if (script === undefined) throw new Error(`soak: cannot find udp_receiver.mjs in ${candidates.join(" or ")}`);
    const child = spawn("node", [script, "--port", String(port)], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: child.stdout! });
    const waiting: ((line: string) => void)[] = [];
    lines.on("line", (line) => waiting.shift()?.(line));
    const first = await new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`soak: the receiver exited with ${code}`)));
    });
    return new Receiver((JSON.parse(first) as { port: number }).port, child, lines, waiting);
  }

  stats(): Promise<ReceiverStats> {
    return new Promise((resolve) => {
      this.#waiting.push((line) => resolve(JSON.parse(line) as ReceiverStats));
      this.#child.stdin!.write("stats\n");
    });
  }

  /** Waits until the line count stops growing for `quietMs`, then returns the counts. */
  async settled(quietMs = 300): Promise<ReceiverStats> {
    let last = await this.stats();
    for (;;) {
      await sleep(quietMs);
      const now = await this.stats();
      if (now.lines === last.lines) return now;
      last = now;
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.stdin!.end();
    await Promise.race([exited, sleep(5000)]);
    if (this.#child.exitCode === null) this.#child.kill();
    this.#lines.close();
  }
}

// ---------------------------------------------------------------- the run

let receiver = await Receiver.start(0);
const port = receiver.port;
const location = `udp://127.0.0.1:${port}`;
const main = new Registry(new Config({ location, logLevel: "off" }));
const aggregated = new Registry(new Config({ location, logLevel: "off", aggregate: { intervalMs: 1000 } }));
const mainWriter = main.writer() as LineWriter;
const aggregatedWriter = aggregated.writer() as LineWriter;

const hot = main.counter("soak.requests", { app: "soak" });
const latency = main.timer("soak.latency");
const queue = main.gauge("soak.queue");
const aggregatedHits = aggregated.counter("soak.cache.hits");
const aggregatedMax = aggregated.maxGauge("soak.cache.maxSize");
const ROUTES = ["/", "/api", "/api/users", "/api/orders", "/health", "/login", "/logout", "/static"];
const STATUSES = ["200", "201", "204", "301", "404", "500"];

function clientStats() {
  const a = mainWriter.stats();
  const b = aggregatedWriter.stats();
  return {
    sent: a.sentLines + b.sentLines,
    dropped: a.droppedLines + b.droppedLines,
    pending: a.pendingBytes + b.pendingBytes,
    errors: a.errors + b.errors,
  };
}

console.log(
  `soak on ${runtime} (${route}): ${seconds} s, ${updatesPerTurn} updates per turn every ${turnMs} ms, ` +
    `receiver restart at ${Math.round(seconds / 2)} s for ${downMs} ms, udp://127.0.0.1:${port}`,
);

const started = Date.now();
const end = started + seconds * 1000;
const restartAt = started + (seconds * 1000) / 2;
let updates = 0;
let nextReport = started + REPORT_EVERY_MS;
let peakRss = 0;
let peakHeap = 0;
const delivered = { lines: 0, datagrams: 0, kernelDrops: 0 };
let restart:
  | { phase: "down" | "up"; stoppedAt: number; upAt: number; droppedBefore: number; sentBefore: number }
  | undefined;
let recovery: { recoveryMs: number; downMs: number; clientDropped: number; linesSentDuringRestart: number } | undefined;
let restarting: Promise<void> | undefined;
let polling = false;

function sample(): void {
  const { rss, heap } = memory();
  peakRss = Math.max(peakRss, rss);
  peakHeap = Math.max(peakHeap, heap);
}

while (Date.now() < end) {
  for (let i = 0; i < updatesPerTurn; i++) {
    const n = updates++;
    switch (n % 6) {
      case 0:
        hot.increment();
        break;
      case 1:
        latency.record((n % 1000) / 1e4);
        break;
      case 2:
        queue.set(n % 100);
        break;
      case 3:
        main.counter("soak.perCall", { route: ROUTES[n % ROUTES.length], status: STATUSES[n % STATUSES.length] })
          .increment();
        break;
      case 4:
        aggregatedHits.increment();
        break;
      default:
        aggregatedMax.set(n % 5000);
    }
  }
  await sleep(turnMs);
  const now = Date.now();
  if (restart === undefined && now >= restartAt) {
    // The agent goes away: keep what it received, stop it, start it again on the same port after downMs.
    const { sent, dropped } = clientStats();
    restart = { phase: "down", stoppedAt: now, upAt: 0, droppedBefore: dropped, sentBefore: sent };
    const stopping = receiver;
    restarting = (async () => {
      const final = await stopping.stats();
      await stopping.stop();
      delivered.lines += final.lines;
      delivered.datagrams += final.datagrams;
      delivered.kernelDrops += final.kernelDrops ?? 0;
      const stoppedAt = Date.now();
      restart!.stoppedAt = stoppedAt;
      console.log(`${((stoppedAt - started) / 1000).toFixed(1)} s: receiver stopped (${final.lines} lines so far)`);
      await sleep(downMs);
      receiver = await Receiver.start(port);
      restart!.upAt = Date.now();
      restart!.phase = "up";
      console.log(`${((restart!.upAt - started) / 1000).toFixed(1)} s: receiver started again on port ${port}`);
    })();
  }
  if (restart?.phase === "up" && recovery === undefined && !polling) {
    polling = true;
    receiver.stats().then((stats) => {
      polling = false;
      if (stats.lines === 0 || recovery !== undefined) return;
      const { sent, dropped } = clientStats();
      recovery = {
        recoveryMs: Date.now() - restart!.upAt,
        downMs: restart!.upAt - restart!.stoppedAt,
        clientDropped: dropped - restart!.droppedBefore,
        linesSentDuringRestart: sent - restart!.sentBefore,
      };
      console.log(
        `${((Date.now() - started) / 1000).toFixed(1)} s: delivery resumed ${recovery.recoveryMs} ms after the restart`,
      );
    });
  }
  if (now >= nextReport) {
    nextReport += REPORT_EVERY_MS;
    sample();
    const { rss, heap } = memory();
    const { sent, dropped, pending } = clientStats();
    console.log(
      `${((now - started) / 1000).toFixed(0).padStart(4)} s: rss ${(rss / MB).toFixed(1)} MB, heap+external ${
        (heap / MB).toFixed(1)
      } MB, ${updates} updates, ${sent} lines sent, ${dropped} dropped, ${pending} bytes pending`,
    );
  } else if (updates % (updatesPerTurn * 50) < updatesPerTurn) {
    sample();
  }
}

await restarting;
await main.close();
await aggregated.close();
sample();
const final = await receiver.settled();
await receiver.stop();
delivered.lines += final.lines;
delivered.datagrams += final.datagrams;
delivered.kernelDrops += final.kernelDrops ?? 0;

const client = clientStats();
const result = {
  runtime,
  route,
  seconds,
  updates,
  linesSent: client.sent,
  linesDroppedByClient: client.dropped,
  clientErrors: client.errors,
  linesDelivered: delivered.lines,
  datagramsDelivered: delivered.datagrams,
  kernelDrops: delivered.kernelDrops,
  /** Sent but neither delivered nor counted by the kernel: what went to the port while no receiver was bound. */
  linesLostWhileDown: client.sent - delivered.lines - delivered.kernelDrops,
  peakRssMB: Number((peakRss / MB).toFixed(1)),
  peakHeapMB: Number((peakHeap / MB).toFixed(1)),
  restart: recovery ?? null,
};
console.log(
  `done: ${updates} updates, ${client.sent} lines sent, ${delivered.lines} delivered, ${client.dropped} dropped by the ` +
    `client, ${delivered.kernelDrops} dropped by the kernel, ${result.linesLostWhileDown} sent while no receiver ` +
    `was bound; peak rss ${result.peakRssMB} MB, peak heap+external ${result.peakHeapMB} MB; recovery ${
      recovery ? `${recovery.recoveryMs} ms` : "not seen"
    }`,
);
console.log(JSON.stringify(result));
