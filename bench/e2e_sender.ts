/**
 * The sending side of the end-to-end throughput bench (bench/e2e.mjs): one
 * client writing to the real SpectatorD at the rates it is told, on any
 * runtime.
 *
 * ```sh
 * deno run -A bench/e2e_sender.ts --location unix:///tmp/x/spectatord.unix
 * bun bench/e2e_sender.ts --client spectator-js --location udp://127.0.0.1:1234
 * ```
 *
 * Options: `--client spectator|spectator-js` (spectator), `--location`
 * (required: `udp://host:port` or `unix:///path`), `--ids N` (1000), `--fold
 * on|off` (spectator only: `fold` for its Config; on).
 *
 * The workload: `N` counters with distinct ids (`server.requestCount` with
 * `id=i<k>`, `method=GET`, `status=200`), incremented in turn, at most `N`
 * updates per event-loop turn, so no id repeats within a turn. Updates fold
 * only while lines cannot leave (a send in flight, a full socket): then the
 * client sends fewer lines than updates, and the agent parses those.
 *
 * Once the client is open it sends one probe line (so a `unix` location that
 * falls back to UDP says so) and prints one JSON line: `{ transport, fallback }`.
 * Then it reads commands on stdin, one per line, and answers each with one
 * JSON line:
 * - `run RATE MS`: RATE updates per second for MS milliseconds, paced in
 *   event-loop turns (a 1 ms timer when on schedule, the next turn when
 *   behind), then a flush: `{ updates, sendMs, flushMs, dropped, folded,
 *   problem }` (what the client dropped and folded meanwhile, and the last
 *   warning it logged when it dropped something);
 * - `quit`: closes the client and exits.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { argument, integerArgument } from "./_args.ts";
import { roundRobinOp } from "./_bench_client.ts";
import { type E2eClientKind, openE2eClient } from "./_e2e_client.ts";
import { sleep, turn } from "./_utils.ts";

const kind = (argument("client") ?? "spectator") as E2eClientKind;
if (kind !== "spectator" && kind !== "spectator-js") {
  throw new TypeError(`e2e_sender: --client must be spectator or spectator-js: received ${kind}`);
}
const location = argument("location");
if (location === undefined || !/^(udp|unix):\/\//.test(location)) {
  throw new TypeError(`e2e_sender: --location must be udp://host:port or unix:///path: received ${location}`);
}
const ids = integerArgument("e2e_sender", "ids", 1000, 1, 1_000_000);
const fold = argument("fold") ?? "on";
if ((fold !== "on" && fold !== "off") || (fold === "off" && kind !== "spectator")) {
  throw new TypeError(`e2e_sender: --fold must be on or off, with --client spectator: received ${fold}`);
}

const client = await openE2eClient(kind, location, fold === "on");
const op = roundRobinOp(client.registry, ids);

/** Sends `rate` updates per second for `ms` milliseconds, then flushes; returns what happened. */
async function paced(rate: number, ms: number) {
  const before = client.counts();
  const total = Math.round((rate * ms) / 1000);
  const start = performance.now();
  let done = 0;
  while (done < total) {
    const elapsed = performance.now() - start;
    // A sender that cannot keep up stops at half as long again, and says how far it got.
    if (elapsed > 1.5 * ms) break;
    const due = Math.min(total, Math.ceil((rate * elapsed) / 1000));
    const n = Math.min(due - done, ids);
    if (n > 0) {
      op(n);
      done += n;
    }
    if (due - done > 0) await turn();
    else await sleep(1);
  }
  const sendMs = performance.now() - start;
  await client.flush();
  const after = client.counts();
  return {
    updates: done,
    sendMs,
    flushMs: performance.now() - start - sendMs,
    dropped: after.dropped - before.dropped,
    folded: after.folded === undefined ? null : after.folded - (before.folded ?? 0),
    problem: after.dropped > before.dropped ? client.lastProblem() ?? null : null,
  };
}

client.registry.counter("bench.e2e.probe").increment();
await client.flush();
await sleep(50);
process.stdout.write(`${JSON.stringify({ transport: client.route, fallback: client.fallback() ?? null })}\n`);

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === "run") {
    process.stdout.write(`${JSON.stringify(await paced(Number(args[0]), Number(args[1])))}\n`);
  } else if (command === "quit") {
    break;
  } else {
    process.stdout.write(`${JSON.stringify({ error: `unknown command ${JSON.stringify(line)}: use run or quit` })}\n`);
  }
}
input.close();
await client.close();
process.exit(0);
