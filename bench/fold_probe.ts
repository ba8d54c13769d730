/**
 * Does this build of @spectator/client fold repeated updates, and does it
 * have the option that turns folding off? The bench asks before it measures
 * the "folding off" column:
 *
 * ```sh
 * node scripts/build_node.mjs && node dist/bench/fold_probe.js
 * deno run --allow-net bench/fold_probe.ts
 * ```
 *
 * It prints one JSON line: `folds` (two increments of one counter in one
 * event-loop turn arrived as one line) and `foldOption`: `"works"` (with
 * `fold: false` they arrived as two lines), `"rejected: <message>"` (the
 * Config throws: the library has no such option), or `"ignored"` (accepted
 * without effect). It asks through the public API only, over loopback UDP.
 *
 * @module
 */

import dgram from "node:dgram";
import process from "node:process";
import { Config, type ConfigOptions, Registry } from "../mod.ts";
import { COUNTER_NAME } from "./_bench_client.ts";
import { sleep } from "./_utils.ts";

/** How long to wait for the probe's datagrams after the flush. */
const RECEIVE_WAIT_MS = 200;

/** The lines that arrive when one counter is incremented twice in one turn, with these extra options. */
async function linesForTwoIncrements(options: Record<string, unknown>): Promise<number> {
  const socket = dgram.createSocket("udp4");
  let lines = 0;
  socket.on("message", (message) => (lines += message.toString("latin1").split("\n").filter(Boolean).length));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    const location = `udp://127.0.0.1:${socket.address().port}`;
    const registry = new Registry(new Config({ location, logLevel: "error", ...options } as ConfigOptions));
    const counter = registry.counter(COUNTER_NAME);
    counter.increment();
    counter.increment();
    await registry.close();
    await sleep(RECEIVE_WAIT_MS);
    return lines;
  } finally {
    socket.close();
  }
}

const folds = (await linesForTwoIncrements({})) === 1;
let foldOption: string;
try {
  foldOption = (await linesForTwoIncrements({ fold: false })) === 2 && folds ? "works" : "ignored";
} catch (error) {
  foldOption = `rejected: ${(error as Error).message}`;
}
process.stdout.write(`${JSON.stringify({ folds, foldOption })}\n`);
