/**
 * Registries, writers and meters that keep their lines and log messages in
 * memory. Registries are built in a clean environment so that common tags
 * from the machine running the tests never leak into the expected lines.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Config, type ConfigOptions, MemoryWriter, type Meter, Registry } from "../../mod.ts";
import { CollectingLogger } from "./collecting_logger.ts";
import { withEnv } from "./env.ts";

/** A registry writing to memory, with its writer and logger at hand. */
export interface MemoryRegistry {
  /** The registry, location `memory`. */
  registry: Registry;
  /** The registry's writer. */
  writer: MemoryWriter;
  /** Receives everything the registry logs. */
  logger: CollectingLogger;
}

/**
 * Creates a `memory` registry whose messages go to a {@linkcode CollectingLogger}.
 *
 * @param options more Config options (the location and logger are set here)
 */
export function memoryRegistry(options: ConfigOptions = {}): MemoryRegistry {
  const logger = new CollectingLogger();
  const registry = withEnv({}, () => new Registry(new Config({ ...options, location: "memory", logger })));
  return { registry, writer: registry.writer() as MemoryWriter, logger };
}

/** Creates a {@linkcode MemoryWriter} whose messages go to a {@linkcode CollectingLogger}. */
export function memoryWriter(): { writer: MemoryWriter; logger: CollectingLogger } {
  const logger = new CollectingLogger();
  return { writer: new MemoryWriter({ logger }), logger };
}

/**
 * Builds a meter on a fresh memory writer, checks that building it wrote
 * nothing, applies `use` to it, and returns the lines it wrote.
 *
 * @param make builds the meter on the given writer
 * @param use the updates to apply
 */
export function linesOf<M extends Meter>(make: (writer: MemoryWriter) => M, use: (meter: M) => void): string[] {
  const writer = new MemoryWriter({ logger: new CollectingLogger() });
  const meter = make(writer);
  assert.ok(writer.isEmpty(), "building a meter writes nothing");
  use(meter);
  return writer.get();
}
