// The real agent stops, stays down for 300 ms and starts again on the same port and socket path while the application
// keeps writing: delivery resumes within 2 s of the new agent being up, measured by the new agent's counter. Part of the "real spectatord" tier
// (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";
import { PortTakenError, type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { tick } from "../helpers/wait.ts";
import { type Route, routesHere, runtimeMode } from "./routes.ts";

const mode = runtimeMode();
/** How long delivery may take to resume once the agent is back. */
const RECOVERY_LIMIT_MS = 2000;
const TURN_MS = 20;
/** How long the agent stays down. */
const DOWN_MS = 300;
/** Another process may take the agent's port while it restarts: the case starts over with fresh ports. */
const ATTEMPTS = 3;

/** Increments `name` every turn until the agent shows it, or `limitMs` passed; returns the milliseconds taken. */
async function writeUntilCounted(
  registry: Registry,
  agent: Spectatord,
  name: string,
  limitMs: number,
): Promise<number> {
  const started = Date.now();
  const counter = registry.counter(name);
  while (Date.now() - started < limitMs) {
    counter.increment();
    await tick(TURN_MS);
    if ((await agent.value("counters", name) ?? 0) > 0) return Date.now() - started;
  }
  return Infinity;
}

/** Runs the restart once; undefined when a port was taken during the restart. */
async function recoveryMs(route: Route): Promise<number | undefined> {
  const agent = await startSpectatord();
  const registry = new Registry(
    withEnv({}, () => new Config({ location: route.location(agent), logger: new CollectingLogger() })),
  );
  try {
    const first = await writeUntilCounted(registry, agent, "tier.restart.before", 5000);
    assert.notEqual(first, Infinity, "the first agent counted the application's lines");
    // The application keeps writing while the agent is down, so the client meets the dead socket and recovers.
    let down = true;
    const writing = (async () => {
      const counter = registry.counter("tier.restart.down");
      while (down) {
        counter.increment();
        await tick(TURN_MS);
      }
    })();
    try {
      await agent.restart(DOWN_MS);
    } catch (error) {
      if (error instanceof PortTakenError) return undefined;
      throw error;
    } finally {
      down = false;
      await writing;
    }
    return await writeUntilCounted(registry, agent, "tier.restart.after", RECOVERY_LIMIT_MS + 1000);
  } finally {
    await registry.close();
    await agent.stop();
  }
}

for (const route of routesHere()) {
  test(`${mode}, ${route.name}: delivery resumes within ${RECOVERY_LIMIT_MS} ms of the agent's restart`, async () => {
    let took: number | undefined;
    for (let attempt = 1; took === undefined && attempt <= ATTEMPTS; attempt++) took = await recoveryMs(route);
    assert.notEqual(took, undefined, `another process took the agent's port in each of ${ATTEMPTS} restarts`);
    console.log(`real spectatord restart: ${mode}, ${route.name}: delivery resumed ${took} ms after the agent was up`);
    assert.ok(took! < RECOVERY_LIMIT_MS, `${took} ms`);
  });
}
