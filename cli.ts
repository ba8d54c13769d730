#!/usr/bin/env -S deno run -A
/**
 * A local stand-in for SpectatorD, for development: it listens where the
 * agent would (UDP `127.0.0.1:1234` by default), aggregates the protocol lines
 * it receives the way the agent does before publishing to Atlas (counters as
 * rates per second, timers and distribution summaries as count, total and
 * max, gauges as their last value, max gauges as the maximum, age gauges as
 * seconds since, monotonic counters as rates of change), and prints a table
 * every 5 seconds together with the lines SpectatorD would reject and the ids
 * Atlas would reject.
 *
 * ```sh
 * deno run -A jsr:@spectator/client/cli            # UDP 127.0.0.1:1234, a table every 5 s
 * deno run -A jsr:@spectator/client/cli --json --interval 1000 --duration 10
 * deno run -A --unstable-net jsr:@spectator/client/cli --unix /tmp/spectatord.unix
 * ```
 *
 * Options: `--port N`, `--host ADDR`, `--unix PATH` (Deno with
 * `--unstable-net` only), `--interval MS`, `--duration S`, `--once`, `--json`,
 * `--help`.
 *
 * @example Run the agent stand-in from code
 * ```ts ignore
 * import { main } from "@spectator/client/cli";
 *
 * const exitCode = await main(["--port", "0", "--once", "--interval", "1000"]);
 * ```
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseCliArgs, USAGE } from "./src/cli/args.ts";
import { startAgent } from "./src/cli/run_agent.ts";

/**
 * Runs the agent stand-in with command-line arguments until it stops by
 * itself (`--once`, `--duration`) or the process gets SIGINT or SIGTERM.
 *
 * @param args the arguments, e.g. `["--port", "0", "--json"]`
 * @returns the exit code: 0 when it stopped normally, 2 for bad arguments, 1 when a socket could not be bound
 *
 * @example Print one JSON report after one second
 * ```ts ignore
 * import { main } from "@spectator/client/cli";
 *
 * await main(["--port", "0", "--json", "--interval", "1000", "--once"]);
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const io = {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
  };
  let options;
  try {
    options = parseCliArgs(args);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  let agent;
  try {
    agent = await startAgent(options, io);
  } catch (error) {
    io.err(`agent: ${(error as Error).message}\n`);
    return 1;
  }
  const onSignal = () => void agent.stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await agent.done;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return 0;
}

// Deno and Bun say whether this module is the entry point; Node 20 does not.
if ((import.meta as { main?: boolean }).main ?? isNodeEntry()) {
  process.exitCode = await main(process.argv.slice(2));
}

/** Whether Node runs this file as the entry point (Node 20 has no `import.meta.main`). */
function isNodeEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined || !import.meta.url.startsWith("file:")) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
