// A synchronous burst of 200,000 increments, right after the registry is made and again once its socket is open: the
// real agent's counter must equal what was sent. Bursts listed in KNOWN_SHORT_BURSTS (routes.ts) are reported, one
// line each starting "real spectatord burst:", instead of asserted, until the client folds counter updates (issue 12).
// Part of the "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Config, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";
import { type Spectatord, startSpectatord } from "../helpers/spectatord.ts";
import { settledValue } from "./agent_view.ts";
import { type BurstPhase, isKnownShortBurst, routesHere, runtimeMode } from "./routes.ts";

const BURST = 200_000;
const mode = runtimeMode();
let agent: Spectatord;
before(async () => agent = await startSpectatord());
after(() => agent?.stop());

/** Writes the burst in one synchronous loop, `phase` after the registry was made; resolves once it is closed. */
async function burst(location: string, name: string, phase: BurstPhase): Promise<void> {
  const registry = new Registry(withEnv({}, () => new Config({ location, logger: new CollectingLogger() })));
  try {
    if (phase === "warm") {
      registry.counter(`${name}.warmup`).increment();
      await registry.flush();
      const arrived = await settledValue(agent, "counters", `${name}.warmup`, {}, (value) => value === 1);
      assert.equal(arrived, 1, "the warm-up line arrived");
    }
    const counter = registry.counter(name);
    for (let i = 0; i < BURST; i++) counter.increment();
  } finally {
    await registry.close();
  }
}

for (const route of routesHere()) {
  for (const phase of ["startup", "warm"] as const) {
    const known = isKnownShortBurst(mode, route.name, phase);
    const what = `${mode}, ${route.name}, ${phase}`;
    test(`${what}: a burst of ${BURST} increments ${known ? "is reported (known short)" : "arrives whole"}`, async () => {
      const name = `tier.burst.${phase}.${route.name.replace(/\W+/g, "_")}`;
      const errorsBefore = await agent.parseErrors();
      await burst(route.location(agent), name, phase);
      const arrived = await settledValue(agent, "counters", name, {}, (value) => value === BURST) ?? 0;
      assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
      if (known) {
        const note = arrived === BURST ? "whole: remove it from KNOWN_SHORT_BURSTS" : `${BURST - arrived} short`;
        console.log(`real spectatord burst: ${what}: ${arrived} of ${BURST} arrived (${note}; known until issue 12)`);
      } else {
        console.log(`real spectatord burst: ${what}: ${arrived} of ${BURST} arrived`);
        assert.equal(arrived, BURST);
      }
    });
  }
}
