/**
 * Builds the writer for a configured output location.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { runtimeTransport } from "../transports/_routes.ts";
import { FileWriter } from "./file_writer.ts";
import { LineWriter } from "./line_writer.ts";
import { MemoryWriter } from "./memory_writer.ts";
import { NoopWriter } from "./noop_writer.ts";
import type { Writer, WriterOptions } from "./writer.ts";
import { formatHost } from "../location.ts";

/**
 * Returns a new writer for `config.location`: `NoopWriter` for `none`,
 * `MemoryWriter` for `memory`, `FileWriter` for `stdout`, `stderr` and
 * `file://`, and a `LineWriter` over the runtime's transport for `udp` and
 * `unix`. Sockets open lazily, on the first write; the runtime's adapter for
 * them starts loading now.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, MemoryWriter } from "@spectator/client";
 * import { newWriter } from "./_new_writer.ts";
 *
 * strictEqual(newWriter(new Config({ location: "memory" })) instanceof MemoryWriter, true);
 * ```
 */
export function newWriter(config: Config): Writer {
  const options: WriterOptions = { logger: config.logger, logLines: config.logLevel === "debug" };
  const target = config.target;
  switch (target.kind) {
    case "none":
      return new NoopWriter(options);
    case "memory":
      return new MemoryWriter(options);
    case "stdout":
    case "stderr":
      return new FileWriter(target.kind, options);
    case "file":
      return new FileWriter({ path: target.path }, options);
    case "udp":
    case "unix": {
      const connect = config.transport ??
        runtimeTransport({ unixFfi: config.unixFfi, udpFfi: config.ffi }, target.kind);
      return new LineWriter((context) => connect(target, context), {
        ...options,
        description: target.kind === "udp"
          ? `udp://${formatHost(target.host)}:${target.port}`
          : `unix://${target.path}`,
        bufferSize: config.bufferSize,
        flushIntervalMs: config.flushIntervalMs,
        maxPendingBytes: config.maxPendingBytes,
        maxDatagramBytes: config.maxDatagramBytes,
        fold: config.fold,
      });
    }
  }
}
