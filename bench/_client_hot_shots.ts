/**
 * hot-shots, the StatsD client, as a client of the UDP benchmark
 * (bench/udp_bench.ts): its `globalTags` stand in for the tags of a meter made
 * once, per-call tags for a meter made per call, `timing` for a timer, and its
 * `aggregation` option for pre-aggregation. Unbuffered, it sends one datagram
 * per metric (its default); buffered, it packs them into 8192-byte datagrams
 * (`maxBufferSize: 8192`).
 *
 * @module
 */

import {
  AGGREGATE_INTERVAL_MS,
  type BenchClient,
  CALL_TAGS,
  type CaseName,
  type ClientOptions,
  COUNTER_NAME,
  METER_TAGS,
  type ReceiverAddress,
  TIMER_NAME,
  timerSeconds,
} from "./_bench_client.ts";

/** The hot-shots module, loaded on first use so other clients' runs never need it. */
type StatsDClass = typeof import("hot-shots").default;
let statsDClass: StatsDClass | undefined;

/** A hot-shots client sending to the receiver; `buffered` packs metrics into 8192-byte datagrams. */
export async function hotShotsClient(
  name: CaseName,
  receiver: ReceiverAddress,
  options: ClientOptions,
  buffered: boolean,
): Promise<BenchClient> {
  if (name === "distinct") throw new TypeError("the distinct-id case is measured for @spectator/client only");
  statsDClass ??= (await import("hot-shots")).default;
  let errors = 0;
  const client = new statsDClass({
    host: receiver.host,
    port: receiver.port,
    protocol: "udp",
    globalTags: name === "tagged" ? {} : { ...METER_TAGS },
    maxBufferSize: buffered ? 8192 : 0,
    aggregation: options.aggregate ? { flushInterval: AGGREGATE_INTERVAL_MS } : false,
    errorHandler: () => void errors++,
  });
  let op: (n: number) => void;
  if (name === "tagged") {
    const tags = { ...CALL_TAGS };
    op = (n) => {
      for (let k = 0; k < n; k++) client.increment(COUNTER_NAME, 1, tags);
    };
  } else if (name === "timer") {
    let i = 0;
    // StatsD timings are in milliseconds.
    op = (n) => {
      for (let k = 0; k < n; k++) client.timing(TIMER_NAME, 1000 * timerSeconds(++i));
    };
  } else {
    op = (n) => {
      for (let k = 0; k < n; k++) client.increment(COUNTER_NAME);
    };
  }
  return {
    op,
    flush: () => new Promise((resolve) => client.flush(() => resolve())),
    close: () => new Promise((resolve) => client.close(() => resolve())),
    drops: () => errors,
  };
}
