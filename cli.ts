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
 * deno run -A jsr:@spectator/client/cli --unix /tmp/spectatord.unix   # via the C library (FFI)
 * deno run -A jsr:@spectator/client/cli --ui       # and a live view on http://127.0.0.1:1235/
 * ```
 *
 * Options: `--port N`, `--host ADDR`, `--unix PATH` (Deno with
 * `--unstable-net` or `--allow-ffi`, or Bun; not Node), `--interval MS`,
 * `--duration S`, `--once`, `--json`, `--lines`, `--ui` and `--ui-port N`
 * (a live view of charts in the browser, on 127.0.0.1), `--help`.
 *
 * From code, {@linkcode startAgent} runs the same agent with options as an
 * object, e.g. in a demo or an integration test.
 *
 * @example Run the agent stand-in from code
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { startAgent } from "@spectator/client/cli";
 * import { Config, Registry } from "@spectator/client";
 *
 * const agent = await startAgent({ port: 0, lines: true });
 * const registry = new Registry(new Config({ location: agent.locations[0] })); // udp://127.0.0.1:<a free port>
 * registry.counter("requests").increment();
 * await registry.close();
 * strictEqual(await agent.waitForLines(1), true);
 * await agent.stop(); // prints the table: c  requests  <rate>
 * ```
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseCliArgs, USAGE } from "./src/cli/args.ts";
import { startAgent } from "./src/cli/run_agent.ts";

export { type AgentOptions, DEFAULT_AGENT_OPTIONS } from "./src/cli/args.ts";
export type { IntervalReport, MeterSnapshot, RejectedId, RejectedLine } from "./src/cli/agent_aggregator.ts";
export { type AgentIo, type RunningAgent, startAgent } from "./src/cli/run_agent.ts";

/**
 * Runs the agent stand-in with command-line arguments until it stops by
 * itself (`--once`, `--duration`) or the process gets SIGINT or SIGTERM.
 *
 * @param args the arguments, e.g. `["--port", "0", "--json"]`
 * @returns the exit code: 0 when it stopped normally, 2 for bad arguments, 1 when a socket could not be bound
 *
 * @example Print one JSON report after 100 ms
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { main } from "@spectator/client/cli";
 *
 * strictEqual(await main(["--port", "0", "--json", "--interval", "100", "--once"]), 0);
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseCliArgs(args);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { help, ...agentOptions } = options;
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let agent;
  try {
    agent = await startAgent(agentOptions);
  } catch (error) {
    process.stderr.write(`agent: ${(error as Error).message}\n`);
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
