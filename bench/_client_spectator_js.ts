/**
 * Netflix's spectator-js as a client of the UDP benchmark
 * (bench/udp_bench.ts), with its UDP writer's default buffering (see
 * bench/_spectator_js.ts).
 *
 * @module
 */

import {
  type BenchClient,
  type CaseName,
  type ClientOptions,
  meterOp,
  type ReceiverAddress,
  udpLocation,
} from "./_bench_client.ts";
import { spectatorJsClient } from "./_spectator_js.ts";

/** A spectator-js registry sending to the receiver; throws for pre-aggregation, which it does not have. */
export async function spectatorJsBenchClient(
  name: CaseName,
  receiver: ReceiverAddress,
  options: ClientOptions,
): Promise<BenchClient> {
  if (options.aggregate) throw new TypeError("spectator-js has no pre-aggregation");
  const client = await spectatorJsClient(udpLocation(receiver));
  return { op: meterOp(name, client.registry), flush: client.flush, close: client.close, drops: client.problems };
}
