/**
 * A batch job: it processes a few batches, records what it did, and ends
 * with `await registry.close()` before `process.exit()`. `process.exit()`
 * ends the program at once, so lines still waiting to be sent would be lost
 * without the `close()`.
 *
 * Lines go to SpectatorD at udp://127.0.0.1:1234, or where
 * `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env examples/batch_job.ts
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/batch_job.ts
 *
 * @module
 */

import process from "node:process";
import { Config, LineWriter, Registry, StopWatch } from "../mod.ts";

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "nightly-export" } }));
const processed = registry.counter("job.records", { result: "processed" });
const rejected = registry.counter("job.records", { result: "rejected" });
const batchLatency = registry.pctTimer("job.batchLatency");
const batchSize = registry.distributionSummary("job.batchSize");
const lastSuccess = registry.ageGauge("job.lastSuccess");

/** Stands in for real work: rejects every record divisible by 7. */
async function processBatch(records: number[]): Promise<number> {
  using _ = new StopWatch(batchLatency); // records the batch's duration when the function returns
  await new Promise((resolve) => setTimeout(resolve, 10)); // some I/O
  const bad = records.filter((record) => record % 7 === 0).length;
  batchSize.record(records.length);
  processed.increment(records.length - bad);
  rejected.increment(bad);
  return bad;
}

let total = 0;
let totalRejected = 0;
for (let batch = 0; batch < 5; batch++) {
  const records = Array.from({ length: 100 + 50 * batch }, (_, i) => batch * 1000 + i);
  totalRejected += await processBatch(records);
  total += records.length;
}
lastSuccess.now(); // A:job.lastSuccess:0, "the job succeeded just now"
console.log(`processed ${total} records, rejected ${totalRejected}`);

// Deliver everything, then release the socket. When SpectatorD stops together
// with the job (e.g. in the same container), also wait about 5 s before
// exiting: SpectatorD publishes to Atlas every 5 s.
await registry.close();
const writer = registry.writer();
if (writer instanceof LineWriter) {
  const { sentLines, sentDatagrams, droppedLines } = writer.stats();
  console.log(`metrics: ${sentLines} lines sent in ${sentDatagrams} datagrams, ${droppedLines} dropped`);
}
process.exit(0);
