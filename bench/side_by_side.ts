/**
 * The speed targets' ratios, measured side by side in one process:
 * @spectator/client, the floor of a folding client (bench/_client_floor.ts,
 * hot counter only), spectator-js (when `SPECTATOR_JS_DIR` names a built
 * checkout and it loads on this runtime) and hot-shots (hot counter only, in
 * rounds a tenth as long: it sends a datagram per update) take turns, round
 * by round, on the same UDP receiver. Each round of each client is timed alone; the order of
 * the clients rotates from round to round, so a slow moment of the machine
 * (a send over loopback costs 5 to 50 µs here, from one moment to the next)
 * falls on every client alike. A ratio is taken within each round and the
 * report gives its median. `node bench/run.mjs` runs it on Node and Bun; it
 * also runs alone:
 *
 * ```sh
 * SPECTATOR_JS_DIR=/path/to/spectator-js bun bench/side_by_side.ts
 * node scripts/build_node.mjs && node dist/bench/side_by_side.js
 * ```
 *
 * Options: `--receiver HOST:PORT:CONTROL_PORT` (default: start one),
 * `--turns T` stretches per round (300), `--stretch S` updates per stretch
 * (1000), `--rounds R` timed rounds (15, after one warm-up round). A round is
 * T stretches of S updates, each followed by an event-loop turn, as in
 * bench/udp_bench.ts; after each client's round its lines are flushed and
 * awaited (untimed). It prints one JSON object on stdout.
 *
 * @module
 */

import process from "node:process";
import { argument, integerArgument } from "./_args.ts";
import type { BenchClient, CaseName } from "./_bench_client.ts";
import { floorClient } from "./_client_floor.ts";
import { hotShotsClient } from "./_client_hot_shots.ts";
import { spectatorClient } from "./_client_spectator.ts";
import { spectatorJsBenchClient } from "./_client_spectator_js.ts";
import { ReceiverControl } from "./_receiver_control.ts";
import { runtime, runtimeVersion } from "./_runtime.ts";
import { median, turn } from "./_utils.ts";

const turns = integerArgument("side_by_side", "turns", 300, 1, 1_000_000);
const stretch = integerArgument("side_by_side", "stretch", 1000, 1, 1_000_000);
const rounds = integerArgument("side_by_side", "rounds", 15, 1, 1000);

/** The clients, by the name the report uses, and how each is made for a case. */
const MAKERS: Record<string, (name: CaseName, receiver: ReceiverControl) => Promise<BenchClient>> = {
  "spectator": (name, receiver) => Promise.resolve(spectatorClient(name, receiver, {})),
  "floor": floorClient,
  "spectator-js": (name, receiver) => spectatorJsBenchClient(name, receiver, {}),
  "hot-shots": (name, receiver) => hotShotsClient(name, receiver, {}, false),
};

/** Clients measured on the hot counter only. */
const HOT_ONLY = new Set(["floor", "hot-shots"]);

/** hot-shots sends a datagram per update (about 5 µs each): its rounds are a tenth as long. */
const turnsOf = (label: string) => label === "hot-shots" ? Math.max(1, Math.round(turns / 10)) : turns;

/** One client's rounds in one case: ns/op per timed round, and what did not arrive. */
interface ClientRounds {
  roundsNsPerOp: number[];
  nsPerOp: number;
  /** Increments that did not reach the receiver, over every round. */
  missing: number;
}

/** One case: the clients that ran it, those that could not (and why), and the per-round ratios of ours to each. */
interface CaseOutcome {
  clients: Record<string, ClientRounds>;
  unavailable: Record<string, string>;
  /** ours / theirs within each timed round, and the median, per other client. */
  ratios: Record<string, { rounds: number[]; median: number }>;
}

/** Times one round of `client`: `turns` stretches and turns; then flushes and waits for its increments. */
async function timedRound(
  client: BenchClient,
  receiver: ReceiverControl,
  turns: number,
): Promise<{ ns: number; missing: number }> {
  const opsPerRound = turns * stretch;
  await receiver.request("reset");
  const start = performance.now();
  for (let t = 0; t < turns; t++) {
    client.op(stretch);
    await turn();
  }
  const elapsed = performance.now() - start;
  await client.flush();
  const delivered = await receiver.awaitDelivery(opsPerRound, { measure: "valueSum" });
  return { ns: (elapsed * 1e6) / opsPerRound, missing: Math.max(0, opsPerRound - delivered.valueSum) };
}

async function runCase(name: CaseName, receiver: ReceiverControl): Promise<CaseOutcome> {
  const clients: [string, BenchClient][] = [];
  const unavailable: Record<string, string> = {};
  for (const [label, make] of Object.entries(MAKERS)) {
    if (HOT_ONLY.has(label) && name !== "hot") continue;
    try {
      clients.push([label, await make(name, receiver)]);
    } catch (error) {
      unavailable[label] = (error as Error).message;
    }
  }
  const perClient = new Map(clients.map(([label]) => [label, { ns: [] as number[], missing: 0 }]));
  for (let round = 0; round <= rounds; round++) {
    for (let k = 0; k < clients.length; k++) {
      const [label, client] = clients[(round + k) % clients.length];
      const { ns, missing } = await timedRound(client, receiver, turnsOf(label));
      // Round 0 warms every client up.
      if (round === 0) continue;
      const record = perClient.get(label)!;
      record.ns.push(ns);
      record.missing += missing;
    }
  }
  for (const [, client] of clients) await client.close();
  const ours = perClient.get("spectator")?.ns;
  const ratios: CaseOutcome["ratios"] = {};
  for (const [label, record] of perClient) {
    if (label === "spectator" || ours === undefined) continue;
    const perRound = ours.map((value, round) => value / record.ns[round]);
    ratios[label] = { rounds: perRound, median: median(perRound) };
  }
  const results = Object.fromEntries(
    [...perClient].map((
      [label, record],
    ) => [label, { roundsNsPerOp: record.ns, nsPerOp: median(record.ns), missing: record.missing }]),
  );
  return { clients: results, unavailable, ratios };
}

const receiver = await ReceiverControl.open(argument("receiver"));
const cases: Partial<Record<CaseName, CaseOutcome>> = {};
try {
  for (const name of ["hot", "tagged"] as const) {
    cases[name] = await runCase(name, receiver);
    const ratio = cases[name].ratios["spectator-js"]?.median;
    process.stderr.write(
      `side_by_side [${runtime}] ${name}: ${
        Object.entries(cases[name].clients).map(([label, r]) => `${label} ${r.nsPerOp.toFixed(1)} ns`).join(", ")
      }${ratio === undefined ? "" : `; ours / spectator-js 1/${(1 / ratio).toFixed(1)}`}\n`,
    );
  }
} finally {
  await receiver.close();
}
process.stdout.write(
  `${JSON.stringify({ runtime, runtimeVersion, settings: { turns, stretch, rounds }, cases })}\n`,
);
// A client with a send still queued in the runtime must not keep the script alive.
process.exit(0);
