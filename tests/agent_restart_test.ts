import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, type LineWriter, Registry } from "../mod.ts";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import type { ReceivedDatagrams } from "./helpers/datagram_collector.ts";
import { holdDeadUdpPort } from "./helpers/dead_udp_port.ts";
import { withEnv } from "./helpers/env.ts";
import { listenUdp } from "./helpers/udp_listener.ts";
import { listenUnix, tempSocketDir } from "./helpers/unix_listener.ts";
import { tick } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";
import { unixRouteHere } from "./helpers/unix_route.ts";

// An agent that restarts (its socket closed, then bound again at the same address) gets the application's lines
// again within 2 s, without the application doing anything: the LineWriter re-creates its socket by itself, at most
// once per second. The recovery times are printed once per runtime, for the record.

const runtime = platform().runtime;
const denoFfi = runtime === "deno" && platform().isGranted({ name: "ffi" });
const unixRoute = await unixRouteHere() !== undefined;
const route = runtime !== "deno" ? runtime : denoFfi ? "deno libc" : denoDatagramApi() ? "deno --unstable-net" : "deno";

/** How long delivery may take to resume once the agent is back. */
const RECOVERY_LIMIT_MS = 2000;
/** How long the agent stays down while the application keeps writing. */
const DOWN_MS = 300;
const TURN_MS = 20;

interface Agent extends ReceivedDatagrams {
  close(): Promise<void>;
}

/**
 * Writes a counter every turn while the agent is up, down for DOWN_MS and up again; returns the milliseconds from
 * the new agent's start to the first line it received.
 */
async function recoveryMs(location: string, start: () => Promise<Agent>): Promise<number> {
  const logger = new CollectingLogger();
  const registry = new Registry(withEnv({}, () => new Config({ location, logger })));
  let agent = await start();
  try {
    registry.counter("restart.before").increment();
    await agent.waitForDatagrams(1);
    await agent.close();
    const down = Date.now() + DOWN_MS;
    while (Date.now() < down) {
      registry.counter("restart.down").increment();
      await tick(TURN_MS);
    }
    agent = await start();
    const back = Date.now();
    const after = registry.counter("restart.after");
    // Increments made while the socket is re-created fold into the first line that arrives.
    const arrived = () => agent.lines().some((line) => line.startsWith("c:restart.after:"));
    while (!arrived() && Date.now() - back < RECOVERY_LIMIT_MS + 1000) {
      after.increment();
      await tick(TURN_MS);
    }
    const took = Date.now() - back;
    const stats = (registry.writer() as LineWriter).stats();
    assert.ok(
      arrived(),
      `no delivery ${took} ms after the restart: ${JSON.stringify(stats)}; log: ${JSON.stringify(logger.records)}`,
    );
    // Only what was written while the agent was down or after it came back arrives.
    for (const line of agent.lines()) assert.match(line, /^c:restart\.(down|after):\d+$/);
    return took;
  } finally {
    await registry.close();
    await agent.close();
  }
}

test(`delivery resumes within ${RECOVERY_LIMIT_MS} ms after the agent restarts (${route})`, async () => {
  // The three agents restart at the same time, each on its own address.
  // Each UDP port stays held while its agent is down, so that no other process can take it meanwhile.
  const v4 = await holdDeadUdpPort();
  const v6 = await holdDeadUdpPort("::1");
  const dir = tempSocketDir();
  const runs: Promise<[string, number]>[] = [
    recoveryMs(`udp://127.0.0.1:${v4.port}`, () => listenUdp({ port: v4.port })).then((ms) => ["udp ipv4", ms]),
    recoveryMs(`udp://[::1]:${v6.port}`, () => listenUdp({ host: "::1", port: v6.port })).then((
      ms,
    ) => ["udp ipv6", ms]),
  ];
  // The child listener replaces the stale socket file, as SpectatorD does; the file stays between the two.
  if (unixRoute) runs.push(recoveryMs(`unix://${dir.path()}`, () => listenUnix(dir.path())).then((ms) => ["unix", ms]));
  let times: Record<string, number>;
  try {
    times = Object.fromEntries(await Promise.all(runs));
  } finally {
    dir.remove();
    await v4.release();
    await v6.release();
  }

  console.log(
    `agent restart recovery (${route}): ${Object.entries(times).map(([what, ms]) => `${what} ${ms} ms`).join(", ")}`,
  );
  for (const [what, ms] of Object.entries(times)) assert.ok(ms < RECOVERY_LIMIT_MS, `${what}: ${ms} ms`);
});
