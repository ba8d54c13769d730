// Monotonic counters through a publishing agent: the real SpectatorD publishes to a local stub every 500 ms, and the
// deltas it publishes for the client's C and U lines (a U that wraps past 2^64 included) are the ones the test set.
// Part of the "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Config, Registry } from "../../mod.ts";
import { type PublishedMeasurement, type PublishStub, startPublishStub } from "../helpers/atlas_publish_stub.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";
import { type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { tick } from "../helpers/wait.ts";
import { agentId, settledValue } from "./agent_view.ts";
import { routesHere, runtimeMode } from "./routes.ts";

const mode = runtimeMode();
let stub: PublishStub;
let agent: Spectatord;
before(async () => {
  stub = await startPublishStub();
  agent = await startSpectatord({ publishUri: stub.uri, frequencySeconds: 0.5 });
});
after(async () => {
  await agent?.stop();
  await stub?.close();
});

/** The first measurement named `name` published in payload `from` or later; waits for it up to 10 s. */
async function nextPublished(name: string, from: number): Promise<PublishedMeasurement> {
  const deadline = Date.now() + 10_000;
  for (let at = from;;) {
    for (; at < stub.payloads.length; at++) {
      const found = stub.payloads[at].find((m) => m.tags.name === name);
      if (found) return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`nothing published for ${name} in ${stub.payloads.length - from} payloads`);
    }
    await tick(20);
  }
}

/** The two values set, and the delta SpectatorD must publish between them. */
const STEPS = {
  C: { first: 10, second: 25.5, delta: 15.5 },
  // -6 is written as 2^64 - 6; 2^64 + 9 as 9: the counter wrapped, and grew by 15.
  U: { first: -6n, second: 2n ** 64n + 9n, delta: 15 },
};

for (const route of routesHere()) {
  test(`${mode}, ${route.name}: C and U deltas (a U wrapping past 2^64) are published as set`, async () => {
    const registry = new Registry(
      withEnv({}, () => new Config({ location: route.location(agent), logger: new CollectingLogger() })),
    );
    const names = { C: `tier.mono.C.${route.name}`, U: `tier.mono.U.${route.name}` };
    const sanitized = { C: agentId(names.C, {}).name, U: agentId(names.U, {}).name };
    const monotonic = registry.monotonicCounter(names.C);
    const uint = registry.monotonicCounterUint(names.U);
    try {
      monotonic.set(STEPS.C.first);
      uint.set(STEPS.U.first);
      await registry.flush();
      for (const [kind, key] of [["mono_counters", "C"], ["mono_counters_uint", "U"]] as const) {
        const shown = await settledValue(agent, kind, sanitized[key], {}, (value) => value !== undefined);
        assert.notEqual(shown, undefined, `the agent has ${sanitized[key]}`);
      }
      // The publish after the next one measured both counters after their first value arrived.
      const mark = stub.payloads.length;
      await stub.waitForPayloads(mark + 2);
      for (const key of ["C", "U"] as const) {
        assert.equal(stub.payloads.slice(mark).flat().find((m) => m.tags.name === sanitized[key]), undefined);
      }
      const from = stub.payloads.length;
      monotonic.set(STEPS.C.second);
      uint.set(STEPS.U.second);
      await registry.flush();
      for (const key of ["C", "U"] as const) {
        const published = await nextPublished(sanitized[key], from);
        assert.deepEqual(published, {
          tags: { name: sanitized[key], statistic: "count" },
          op: 0,
          value: STEPS[key].delta,
        });
      }
    } finally {
      await registry.close();
    }
  });
}
