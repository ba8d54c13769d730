/**
 * The floor of a folding client, as a client of the UDP benchmark
 * (bench/udp_bench.ts): the least a client that folds a hot counter and sends
 * what each event-loop turn wrote can do. An update adds its delta into one
 * slot; the first update of a turn queues a microtask that sends the slot's
 * line as one datagram (the runtime's fastest connected send,
 * bench/_connected_udp.ts). It runs the hot counter case only, beside
 * @spectator/client on the same receiver, so the report can tell what the
 * runtime and the machine cost per turn from what the library adds.
 *
 * @module
 */

import { type BenchClient, type CaseName, COUNTER_NAME, METER_TAGS, type ReceiverAddress } from "./_bench_client.ts";
import { connectedUdp } from "./_connected_udp.ts";

/** The hot counter's slot and its line's prefix. */
const PREFIX = `c:${COUNTER_NAME}${
  Object.keys(METER_TAGS).sort().map((key) => `,${key}=${METER_TAGS[key]}`).join("")
}:`;

/** The minimal folding client; only the hot counter case. */
export async function floorClient(name: CaseName, receiver: ReceiverAddress): Promise<BenchClient> {
  if (name !== "hot") throw new TypeError("the floor is measured for the hot counter only");
  const socket = await connectedUdp(receiver.host, receiver.port);
  const encoder = new TextEncoder();
  const slot = { value: 0, updates: 0 };
  const send = () => {
    const value = slot.value;
    slot.value = 0;
    slot.updates = 0;
    socket.send(encoder.encode(`${PREFIX}${value}\n`));
  };
  const increment = (delta: number) => {
    slot.value += delta;
    if (slot.updates++ === 0) queueMicrotask(send);
  };
  return {
    op: (n) => {
      for (let k = 0; k < n; k++) increment(1);
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(socket.close()),
    drops: () => 0,
  };
}
