// A synchronous burst of 1,000,000 increments, right after the registry is made (its socket still opening) and again
// once its socket is open: the real agent's counter must be exactly 1,000,000 on every runtime and route, the heap
// must grow by less than 16 MB, and the writer's stats() must account for every update (folded into the burst's
// line, sent or dropped). Each burst prints one line starting "real spectatord burst:".
// Part of the "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import process from "node:process";
import { after, before, test } from "node:test";
import { Config, type LineWriter, type LineWriterStats, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";
import { forceGc } from "../helpers/gc.ts";
import { type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { settledValue } from "./agent_view.ts";
import { routesHere, runtimeMode } from "./routes.ts";

const BURST = 1_000_000;
/** The heap may grow by less than this during a burst (DESIGN's memory bar). */
const HEAP_GROWTH_LIMIT_MB = 16;
const mode = runtimeMode();
let agent: Spectatord;
before(async () => agent = await startSpectatord());
after(() => agent?.stop());

/** What one burst did on the client's side. */
interface BurstResult {
  heapGrowthMB: number;
  stats: LineWriterStats;
}

/** The heap in use after a full collection, in MiB. */
function heapMB(): number {
  forceGc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Writes the burst in one synchronous loop, `phase` after the registry was made; resolves once it is closed. */
async function burst(location: string, name: string, phase: "startup" | "warm"): Promise<BurstResult> {
  let heapBefore = heapMB();
  const registry = new Registry(withEnv({}, () => new Config({ location, logger: new CollectingLogger() })));
  const writer = registry.writer() as LineWriter;
  let heapAfter: number;
  try {
    if (phase === "warm") {
      registry.counter(`${name}.warmup`).increment();
      await registry.flush();
      const arrived = await settledValue(agent, "counters", `${name}.warmup`, {}, (value) => value === 1);
      assert.equal(arrived, 1, "the warm-up line arrived");
      heapBefore = heapMB();
    }
    const counter = registry.counter(name);
    for (let i = 0; i < BURST; i++) counter.increment();
    heapAfter = heapMB();
  } finally {
    await registry.close();
  }
  return { heapGrowthMB: heapAfter - heapBefore, stats: writer.stats() };
}

for (const route of routesHere()) {
  for (const phase of ["startup", "warm"] as const) {
    const what = `${mode}, ${route.name}, ${phase}`;
    test(`${what}: a burst of ${BURST} increments arrives whole, the heap growing by under ${HEAP_GROWTH_LIMIT_MB} MB`, async () => {
      const name = `tier.burst.${phase}.${route.name.replace(/\W+/g, "_")}`;
      const errorsBefore = await agent.parseErrors();
      const { heapGrowthMB, stats } = await burst(route.location(agent), name, phase);
      const arrived = await settledValue(agent, "counters", name, {}, (value) => value === BURST) ?? 0;
      console.log(
        `real spectatord burst: ${what}: ${arrived} of ${BURST} arrived; heap growth ${heapGrowthMB.toFixed(1)} MB; ` +
          `${stats.foldedUpdates} updates folded, ${stats.sentLines} lines sent in ${stats.sentDatagrams} datagrams, ` +
          `${stats.droppedLines} dropped`,
      );
      assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
      assert.equal(arrived, BURST);
      assert.ok(heapGrowthMB < HEAP_GROWTH_LIMIT_MB, `the heap grew by ${heapGrowthMB.toFixed(1)} MB`);
      assert.equal(stats.droppedLines, 0);
      const updates = BURST + (phase === "warm" ? 1 : 0);
      assert.equal(stats.sentLines + stats.foldedUpdates, updates, "every update was sent or folded into a sent line");
    });
  }
}
