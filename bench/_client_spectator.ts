/**
 * @spectator/client as a client of the UDP benchmark (bench/udp_bench.ts).
 *
 * @module
 */

import { Config, type ConfigOptions, type LineWriter, Registry } from "../mod.ts";
import {
  AGGREGATE_INTERVAL_MS,
  type BenchClient,
  type CaseName,
  type ClientOptions,
  meterOp,
  type ReceiverAddress,
  udpLocation,
} from "./_bench_client.ts";

/**
 * A registry sending to the receiver, whose `op` runs the case. Options the
 * library does not know yet (`fold`, `aggregate`) make `new Config` throw a
 * `TypeError`, which the benchmark reports as "n/a".
 */
export function spectatorClient(name: CaseName, receiver: ReceiverAddress, options: ClientOptions): BenchClient {
  // Typed loosely so this compiles whether or not Config knows the options yet.
  const configOptions: Record<string, unknown> = { location: udpLocation(receiver), logLevel: "error" };
  if (options.maxPendingBytes !== undefined) configOptions.maxPendingBytes = options.maxPendingBytes;
  if (options.aggregate) configOptions.aggregate = { intervalMs: AGGREGATE_INTERVAL_MS };
  if (options.fold !== undefined) configOptions.fold = options.fold;
  const registry = new Registry(new Config(configOptions as ConfigOptions));
  const writer = registry.writer() as LineWriter;
  return {
    op: meterOp(name, registry),
    flush: () => registry.flush(),
    close: () => registry.close(),
    drops: () => writer.stats().droppedLines,
  };
}
